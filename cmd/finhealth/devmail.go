package main

import (
	"html/template"
	"log/slog"
	"net/http"

	"finhealth"
)

// devMailPrefix is where development lists the captured mail, beside the app.
const devMailPrefix = "/dev/mail"

// devMailPage lists the mail log with each message's parts, so that the invitation
// flow (and every later one) can be followed without a mail server. It is served
// only in development: the captured messages hold live invitation links.
var devMailPage = template.Must(template.New("devmail").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Captured mail (development)</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}article{border:1px solid #ccc;padding:1em;margin:1em 0}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em}</style>
</head><body>
<h1>Captured mail</h1>
<p><strong>Development only.</strong> Without SMTP settings finhealth sends no mail: every message is kept here instead, newest first. Configure SMTP_URL (README, "Mail") to send for real.</p>
{{range .}}<article>
<h2>{{.Subject}}</h2>
<p>To {{.To}} · template {{.Template}} · {{.Status}} · {{.CreatedAt.Format "2006-01-02 15:04:05 UTC"}}{{if .LastError}} · last error: {{.LastError}}{{end}}</p>
{{if .Text}}<h3>Text</h3><pre>{{.Text}}</pre>{{end}}
{{if .HTML}}<p><a href="` + devMailPrefix + `/{{.ID}}">HTML part</a></p>{{else}}<p>The parts are no longer kept: the message was sent.</p>{{end}}
</article>{{else}}<p>No mail yet. Invite someone from an organization's settings page.</p>{{end}}
</body></html>`))

// devMailHandler serves the development mail page and each message's HTML part.
func devMailHandler(st finhealth.MailService, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+devMailPrefix, func(w http.ResponseWriter, r *http.Request) {
		msgs, err := st.MailLog(r.Context(), finhealth.MaxPageSize)
		if err != nil {
			logger.ErrorContext(r.Context(), "reading the mail log", "error", err)
			http.Error(w, "The mail log could not be read.", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := devMailPage.Execute(w, msgs); err != nil {
			logger.ErrorContext(r.Context(), "rendering the mail page", "error", err)
		}
	})
	mux.HandleFunc("GET "+devMailPrefix+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		msgs, err := st.MailLog(r.Context(), finhealth.MaxPageSize)
		if err != nil {
			http.Error(w, "The mail log could not be read.", http.StatusInternalServerError)
			return
		}
		for _, m := range msgs {
			if m.ID == r.PathValue("id") && m.HTML != "" {
				// The part is shown as a mail client would: in a sandbox, with nothing
				// loaded from anywhere.
				w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'")
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write([]byte(m.HTML))
				return
			}
		}
		http.NotFound(w, r)
	})
	return mux
}
