package ui

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"finhealth"
)

// uiFuncs are the template functions. Pages compute their display values in Go
// (where they are tested); these only format.
func (s *Handler) uiFuncs() template.FuncMap {
	versions := assetVersions()
	return template.FuncMap{
		// asset is a static file's URL with its content hash.
		"asset": func(name string) string { return "/static/" + name + "?v=" + versions[name] },
		"date":  func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
		"datetime": func(t time.Time) string {
			return t.UTC().Format("2 Jan 2006, 15:04 UTC")
		},
		"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"ago":       func(t time.Time) string { return ago(s.now(), t) },
		"score":     formatScore,
		"tierLabel": tierLabel,
		"roleLabel": func(r finhealth.OrgRole) string { return capitalize(string(r)) },
		"title":     capitalize,
		// dict passes several values to a partial template.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict needs key/value pairs")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
	}
}

// formatScore shows a 0-100 score to one decimal, as scoring rounds it once from the
// exact value (a whole number would disagree with the recommendations' 43.3);
// nil (not enough data) as "–".
func formatScore(v *float64) string {
	if v == nil || math.IsNaN(*v) {
		return "–"
	}
	return strconv.FormatFloat(math.Round(*v*10)/10, 'f', 1, 64)
}

// formatDelta shows a change of score signed, to one decimal, with a true minus
// sign: the parts of a change are read as a sum.
func formatDelta(d float64) string {
	r := math.Round(d*10) / 10
	switch {
	case r > 0:
		return "+" + strconv.FormatFloat(r, 'f', 1, 64)
	case r < 0:
		return "\u2212" + strconv.FormatFloat(-r, 'f', 1, 64)
	}
	return "0.0"
}

// formatWeight shows a share (0.3) as a percentage ("30%"), with one decimal only
// where the share after redistribution needs it (6/17 is "35.3%").
func formatWeight(w float64) string {
	return strconv.FormatFloat(math.Round(w*1000)/10, 'f', -1, 64) + "%"
}

// tierLabel names a tier for people; the colour that goes with it is never the only
// signal.
func tierLabel(tier string) string {
	switch tier {
	case finhealth.TierHealthy:
		return "Healthy"
	case finhealth.TierCoping:
		return "Coping"
	case finhealth.TierVulnerable:
		return "Vulnerable"
	case "":
		return "Not enough data"
	}
	return capitalize(tier)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	s = strings.ReplaceAll(s, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// ago says how long before now t was, coarsely, as people say it.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 60*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return "on " + t.UTC().Format("2 Jan 2006")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
