package http

// The operations that the JSON API (http/api) and the web UI (http/ui) both perform,
// grouped by what they act on. Each is a view of the Server, so that both take the
// same checks, write the same audit entries and queue the same jobs; the API answers
// their results as JSON, the UI renders them.

// Accounts signs users up and in, keeps their sessions (access and refresh tokens,
// browser session cookies and CSRF tokens), and changes an account's platform role or
// deactivates it.
type Accounts struct{ *Server }

// Organizations updates organizations and their members, and invites people to
// join them.
type Organizations struct{ *Server }

// Insights reads and changes what the health score is made of: the account mapping
// the metrics use, questionnaire assessments, and the portfolio of an advisor's
// organizations. The live health score itself is Server.HealthNow.
type Insights struct{ *Server }

// Wave connects organizations to Wave (OAuth), chooses the business to read, and
// queues syncs of its books.
type Wave struct{ *Server }
