// Package finhealth holds the domain of the finhealth application: the types every
// adapter speaks (users, organizations, memberships, questionnaires, assessments,
// audit entries), the service interfaces the store implements, the role and
// permission table, and the Error type that carries a stable code from any layer to
// the HTTP edge.
//
// It imports only the standard library so that every adapter (store, http, wave,
// worker) can depend on it without depending on each other.
package finhealth
