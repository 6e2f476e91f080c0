package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"finhealth"
)

//go:embed templates
var templates embed.FS

// Every template NAME is templates/NAME.txt (defining "subject" and "body") and
// templates/NAME.html (the HTML part), parsed once at start.
var (
	textTemplates = texttemplate.Must(texttemplate.ParseFS(templates, "templates/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.ParseFS(templates, "templates/*.html"))
)

// Invitation is what the invitation email says.
type Invitation struct {
	Instance     string // the instance's name (INSTANCE_NAME)
	InviterName  string
	Organization string
	Role         finhealth.OrgRole
	AcceptURL    string
	ExpiresAt    time.Time
}

// ComposeInvitation renders the email that asks the invitee to join.
func ComposeInvitation(id, to string, inv Invitation) (*finhealth.OutgoingMail, error) {
	return compose(id, to, "invitation", inv)
}

// compose renders template name for data into a message to queue.
func compose(id, to, name string, data any) (*finhealth.OutgoingMail, error) {
	var subject, text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&subject, name+".subject", data); err != nil {
		return nil, fmt.Errorf("mail: rendering the subject of %s: %w", name, err)
	}
	if err := textTemplates.ExecuteTemplate(&text, name+".txt", data); err != nil {
		return nil, fmt.Errorf("mail: rendering the text of %s: %w", name, err)
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name+".html", data); err != nil {
		return nil, fmt.Errorf("mail: rendering the HTML of %s: %w", name, err)
	}
	return &finhealth.OutgoingMail{
		ID: id, To: to, Template: name,
		// A header must be one line, whatever a name in it holds.
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    text.String(), HTML: html.String(),
	}, nil
}
