package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	fhttp "finhealth/http"
	"finhealth/http/internal/servertest"
)

const specURL = "https://finhealth.test/openapi.json"

// apiSpec is the OpenAPI document with its schemas compiled on demand. OpenAPI 3.1
// schemas are JSON Schema 2020-12, so the document itself is the schema resource
// and each response schema is compiled by its JSON pointer.
type apiSpec struct {
	doc map[string]any

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

var (
	specOnce sync.Once
	spec     *apiSpec
	specErr  error
)

func loadSpec(t testing.TB) *apiSpec {
	t.Helper()
	specOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(openapiDocument))
		if err != nil {
			specErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		if err := c.AddResource(specURL, doc); err != nil {
			specErr = err
			return
		}
		m, _ := doc.(map[string]any)
		spec = &apiSpec{doc: m, compiler: c, schemas: map[string]*jsonschema.Schema{}}
	})
	if specErr != nil {
		t.Fatalf("load openapi.json: %v", specErr)
	}
	return spec
}

func (s *apiSpec) schema(t testing.TB, pointer string) *jsonschema.Schema {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.schemas[pointer]; ok {
		return sch
	}
	sch, err := s.compiler.Compile(specURL + "#" + pointer)
	if err != nil {
		t.Fatalf("compile schema %s: %v", pointer, err)
	}
	s.schemas[pointer] = sch
	return sch
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// operation returns the operation object for the method and path template.
func (s *apiSpec) operation(method, path string) (map[string]any, bool) {
	paths, _ := s.doc["paths"].(map[string]any)
	item, _ := paths[path].(map[string]any)
	op, ok := item[strings.ToLower(method)].(map[string]any)
	return op, ok
}

// responsePointer finds the documented response for a status, following one
// components/responses $ref, and returns the JSON pointer of its JSON schema ("" when
// the response has no body).
func (s *apiSpec) responsePointer(t testing.TB, method, path string, status int) (string, bool) {
	t.Helper()
	op, ok := s.operation(method, path)
	if !ok {
		return "", false
	}
	responses, _ := op["responses"].(map[string]any)
	code := strconv.Itoa(status)
	resp, ok := responses[code].(map[string]any)
	if !ok {
		return "", false
	}
	base := "/paths/" + escapePointer(path) + "/" + strings.ToLower(method) + "/responses/" + code
	if ref, ok := resp["$ref"].(string); ok {
		base = strings.TrimPrefix(ref, "#")
		comps, _ := s.doc["components"].(map[string]any)
		rs, _ := comps["responses"].(map[string]any)
		resp, _ = rs[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
	}
	content, _ := resp["content"].(map[string]any)
	if _, ok := content["application/json"]; !ok {
		return "", true
	}
	return base + "/content/application~1json/schema", true
}

// checkAgainstSpec validates a real response against the document: the status must
// be documented for the route's operation and the body must match its schema.
// Requests no route claims must carry the Error schema.
func checkAgainstSpec(t testing.TB, srv *fhttp.Server, r *http.Request, res *servertest.Response) {
	t.Helper()
	s := loadSpec(t)
	method, path := "", ""
	if pattern := srv.Pattern(r); pattern != "" && pattern != "/api/" {
		method, path, _ = strings.Cut(pattern, " ")
	}
	pointer := "/components/schemas/Error"
	switch {
	case r.Method == http.MethodOptions && res.Status == http.StatusNoContent:
		return // CORS preflight: not an operation
	case method == "":
		if !strings.HasPrefix(r.URL.Path, "/api/") && res.Status == http.StatusNotFound {
			return // outside the API the mux's plain 404 is fine
		}
		if res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed && res.Status != http.StatusForbidden {
			t.Errorf("%s %s: unrouted request answered %d", r.Method, r.URL.Path, res.Status)
		}
	default:
		p, ok := s.responsePointer(t, method, path, res.Status)
		if !ok {
			t.Errorf("%s %s: status %d is not documented for %s %s; body: %s", r.Method, r.URL.Path, res.Status, method, path, res.Body)
			return
		}
		if p == "" {
			if len(res.Body) != 0 {
				t.Errorf("%s %s: status %d must have no body, got %q", r.Method, r.URL.Path, res.Status, res.Body)
			}
			return
		}
		pointer = p
	}
	if r.Method == http.MethodHead {
		return
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q, want application/json", r.Method, r.URL.Path, ct)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(res.Body))
	if err != nil {
		t.Errorf("%s %s: body is not JSON: %v\n%s", r.Method, r.URL.Path, err, res.Body)
		return
	}
	if err := s.schema(t, pointer).Validate(v); err != nil {
		t.Errorf("%s %s: %d response does not match %s:\n%v\nbody: %s", r.Method, r.URL.Path, res.Status, pointer, err, res.Body)
	}
}

// TestOpenAPICoversRouteTable checks that the document and the route table list the
// same operations, that each success status is documented, and that every
// authenticated route documents 401.
func TestOpenAPICoversRouteTable(t *testing.T) {
	s := loadSpec(t)
	srv := fhttp.NewServer(fhttp.Config{JWTSecret: servertest.Secret, Argon2: servertest.Argon2}, nil)
	Mount(srv)
	inTable := map[string]bool{}
	for _, rt := range srv.Routes() {
		key := rt.Method + " " + rt.Path
		inTable[key] = true
		op, ok := s.operation(rt.Method, rt.Path)
		if !ok {
			t.Errorf("route %s is not in openapi.json", key)
			continue
		}
		responses, _ := op["responses"].(map[string]any)
		if _, ok := responses[strconv.Itoa(rt.Status)]; !ok {
			t.Errorf("%s: success status %d is not documented", key, rt.Status)
		}
		if rt.Access.Kind != fhttp.AccessPublic {
			if _, ok := responses["401"]; !ok {
				t.Errorf("%s: authenticated route does not document 401", key)
			}
			if sec, _ := op["security"].([]any); len(sec) == 0 {
				t.Errorf("%s: authenticated route has no security requirement", key)
			}
		}
		if rt.Access.Kind == fhttp.AccessOrg || rt.Access.Kind == fhttp.AccessDefaultOrg || rt.Access.Kind == fhttp.AccessPlatform {
			if _, ok := responses["403"]; !ok {
				t.Errorf("%s: route with a permission does not document 403", key)
			}
		}
		// Every documented response schema must compile.
		for code := range responses {
			n, err := strconv.Atoi(code)
			if err != nil {
				t.Errorf("%s: response %q is not a status code", key, code)
				continue
			}
			if p, _ := s.responsePointer(t, rt.Method, rt.Path, n); p != "" {
				s.schema(t, p)
			}
		}
	}
	var extra []string
	paths, _ := s.doc["paths"].(map[string]any)
	for path, item := range paths {
		for method := range item.(map[string]any) {
			if key := strings.ToUpper(method) + " " + path; !inTable[key] {
				extra = append(extra, key)
			}
		}
	}
	sort.Strings(extra)
	for _, key := range extra {
		t.Errorf("openapi.json documents %s, which is not in the route table", key)
	}
}

// TestOpenAPIRequestSchemasAcceptExamples guards the request schemas against drift
// from the decoders: a body the API accepts must be valid under the documented schema.
func TestOpenAPIRequestSchemasAcceptExamples(t *testing.T) {
	s := loadSpec(t)
	examples := map[string]any{
		"RegisterRequest":         map[string]any{"email": "a@example.com", "password": servertest.Password, "name": "A", "organization_name": "A Ltd", "industry": "retail", "company_size": "1-10"},
		"LoginRequest":            map[string]any{"email": "a@example.com", "password": "x"},
		"TokenRequest":            map[string]any{"refresh_token": "x"},
		"OrganizationPatch":       map[string]any{"name": "B"},
		"OrgRoleRequest":          map[string]any{"role": "viewer"},
		"PlatformRoleRequest":     map[string]any{"role": "admin"},
		"InvitationRequest":       map[string]any{"email": "b@example.com", "role": "advisor"},
		"AcceptInvitationRequest": map[string]any{"token": "x"},
		"AssessmentRequest":       map[string]any{"answers": servertest.Answers(0)},
	}
	for name, ex := range examples {
		b, _ := json.Marshal(ex)
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err := s.schema(t, "/components/schemas/"+name).Validate(v); err != nil {
			t.Errorf("%s rejects a valid body: %v", name, err)
		}
	}
}
