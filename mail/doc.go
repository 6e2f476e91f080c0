// Package mail composes finhealth's outgoing messages from embedded templates and
// sends them over SMTP.
//
// Every message has a plain-text and an HTML part rendered from the same data by
// text/template and html/template, names the instance, and carries no tracking:
// no remote images, no rewritten links. Rendering is a pure function, so the HTTP
// layer composes a message inside the request that causes it and the store keeps it
// in the same transaction; the worker's mail job hands it to a Sender. The SMTP
// client is github.com/wneessen/go-mail (v0.8.1), so no MIME is built by hand.
//
// It is a layer between the domain and the adapters, like identity: http imports it
// to compose, cmd/finhealth to build the Sender the worker is given.
package mail
