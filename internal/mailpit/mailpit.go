// Package mailpit runs a real SMTP server for tests: Mailpit, built from source with
// `go build` (through `go install` of the pinned version) into the user's cache
// once, started on free loopback ports, and read back through its HTTP API. The mail
// tests thereby exercise a real SMTP conversation (authentication, MIME, delivery)
// rather than a mock. Without Go or the module proxy the tests skip, except under
// CI=true, where a server that cannot be built or started is a failure.
package mailpit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Version is the Mailpit release the tests run (the module proxy serves it).
const Version = "v1.33.1"

const module = "github.com/axllent/mailpit"

// Server is one running Mailpit.
type Server struct {
	SMTPHost string
	SMTPPort int
	// RootCAs trusts the server's self-signed certificate: it requires STARTTLS,
	// as a production mail server does.
	RootCAs  *x509.CertPool
	apiURL   string
	bin, dir string
	args     []string
	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{}
}

var build struct {
	once sync.Once
	bin  string
	err  error
}

// unavailable fails the test under CI=true and skips it otherwise.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("mailpit: "+format+" (CI=true requires a real SMTP server)", args...)
	}
	t.Skipf("mailpit: "+format, args...)
}

// binary builds Mailpit into the cache once per machine: the first build takes
// about a minute, later test runs reuse it.
func binary() (string, error) {
	build.once.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir := filepath.Join(cache, "finhealth-test", "mailpit-"+Version)
		build.bin = filepath.Join(dir, "mailpit")
		if _, err := os.Stat(build.bin); err == nil {
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			build.err = err
			return
		}
		// Built into a directory of its own and renamed into place, so that test
		// binaries of several packages building at once never see half a file.
		tmp, err := os.MkdirTemp(dir, "build-")
		if err != nil {
			build.err = err
			return
		}
		defer os.RemoveAll(tmp)
		cmd := exec.Command("go", "install", module+"@"+Version)
		// Outside any module, with no flags of the caller's (-race, -mod), pure Go:
		// Mailpit's SQLite is modernc's, so no C compiler is needed.
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=", "CGO_ENABLED=0", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go install %s@%s: %v\n%s", module, Version, err, out)
			return
		}
		build.err = os.Rename(filepath.Join(tmp, "mailpit"), build.bin)
	})
	return build.bin, build.err
}

// Start builds Mailpit if needed and starts it on free loopback ports; it requires
// STARTTLS (with a certificate for 127.0.0.1 that RootCAs trusts), accepts any SMTP
// username and password, and stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		unavailable(t, "the go command is needed to build it: %v", err)
	}
	bin, err := binary()
	if err != nil {
		unavailable(t, "cannot build: %v", err)
	}
	s := &Server{SMTPHost: "127.0.0.1", bin: bin, dir: t.TempDir()}
	s.SMTPPort = freePort(t)
	apiAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	s.apiURL = "http://" + apiAddr
	certFile, keyFile, roots, err := selfSigned(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	s.RootCAs = roots
	s.args = []string{
		"--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls",
		"--smtp", net.JoinHostPort(s.SMTPHost, strconv.Itoa(s.SMTPPort)), "--listen", apiAddr,
		"--database", filepath.Join(s.dir, "mailpit.db"),
		"--smtp-auth-accept-any", "--disable-version-check", "--quiet",
	}
	if err := s.start(); err != nil {
		unavailable(t, "cannot start: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start runs the process and waits until its API answers. The wait polls, since the
// server is another process; its bound only guards against a hang.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.apiURL+"/livez", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("mailpit exited at start")
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return errors.New("mailpit did not answer within a minute")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop ends the server; messages it stored are kept for a later Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts a stopped server again on the same ports.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Fatalf("mailpit: restarting: %v", err)
	}
}

// Address is a mailbox in Mailpit's API.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Message is a delivered message as Mailpit parsed it.
type Message struct {
	ID      string    `json:"ID"`
	From    Address   `json:"From"`
	To      []Address `json:"To"`
	Subject string    `json:"Subject"`
	Text    string    `json:"Text"`
	HTML    string    `json:"HTML"`
	// Headers are the raw headers, read separately.
	Headers map[string][]string `json:"-"`
}

// WaitMessage waits for the message delivered to to and returns it in full. It polls
// the API (delivery happens in another process); the bound only guards a hang.
func (s *Server) WaitMessage(t testing.TB, to string) *Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		var list struct {
			Messages []Message `json:"messages"`
		}
		if err := s.get(ctx, "/api/v1/search?query="+url.QueryEscape("to:"+to), &list); err != nil {
			t.Fatalf("mailpit: %v", err)
		}
		if len(list.Messages) > 0 {
			var m Message
			if err := s.get(ctx, "/api/v1/message/"+list.Messages[0].ID, &m); err != nil {
				t.Fatalf("mailpit: %v", err)
			}
			if err := s.get(ctx, "/api/v1/message/"+m.ID+"/headers", &m.Headers); err != nil {
				t.Fatalf("mailpit: %v", err)
			}
			return &m
		}
		select {
		case <-ctx.Done():
			t.Fatalf("mailpit: no message to %s arrived", to)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *Server) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.apiURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(dir string) (certFile, keyFile string, roots *x509.CertPool, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailpit test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return "", "", nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", nil, err
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return "", "", nil, err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", "", nil, err
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots, nil
}
