package main

// Tests of the deployment files at the repository root: no Docker engine runs in
// the test environment, so they check what the files say and build what the
// Dockerfile builds.

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// repoRoot is resolved when the tests start, in the package's directory, so that
// tests that move to a temporary directory still find the repository's files.
var repoRoot, _ = filepath.Abs(filepath.Join("..", ".."))

func repoFile(name string) string { return filepath.Join(repoRoot, name) }

// dockerInstruction is one instruction of a Dockerfile, continuation lines joined.
type dockerInstruction struct {
	cmd   string            // upper case: FROM, RUN, COPY...
	flags map[string]string // --from=build -> from: build
	args  string            // the rest, flags removed
}

// exec returns the instruction's command as an argument list: the JSON exec form
// as written, the shell form split on spaces.
func (in dockerInstruction) exec(t *testing.T) []string {
	t.Helper()
	if !strings.HasPrefix(in.args, "[") {
		return strings.Fields(in.args)
	}
	var argv []string
	if err := json.Unmarshal([]byte(in.args), &argv); err != nil {
		t.Fatalf("Dockerfile: %s %s: not a JSON exec form: %v", in.cmd, in.args, err)
	}
	return argv
}

type dockerStage struct {
	base, name string
	ins        []dockerInstruction
}

func (s dockerStage) all(cmd string) []dockerInstruction {
	var out []dockerInstruction
	for _, in := range s.ins {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// parseDockerfile reads the Dockerfile into its global ARG defaults and its stages.
func parseDockerfile(t *testing.T) (globalArgs map[string]string, stages []dockerStage) {
	t.Helper()
	f, err := os.Open(repoFile("Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	globalArgs = map[string]string{}
	var lines []string
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue // comments may sit inside a continued instruction too
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, line := range lines {
		cmd, rest, _ := strings.Cut(line, " ")
		in := dockerInstruction{cmd: strings.ToUpper(cmd), flags: map[string]string{}}
		rest = strings.TrimSpace(rest)
		for strings.HasPrefix(rest, "--") {
			var flag string
			flag, rest, _ = strings.Cut(rest, " ")
			k, v, _ := strings.Cut(strings.TrimPrefix(flag, "--"), "=")
			in.flags[k] = v
			rest = strings.TrimSpace(rest)
		}
		in.args = rest
		switch {
		case in.cmd == "FROM":
			base, name, _ := strings.Cut(rest, " AS ")
			stages = append(stages, dockerStage{base: strings.TrimSpace(base), name: strings.TrimSpace(name)})
		case len(stages) == 0 && in.cmd == "ARG":
			k, v, _ := strings.Cut(rest, "=")
			globalArgs[k] = v
		case len(stages) == 0:
			t.Fatalf("Dockerfile: %s before the first FROM", in.cmd)
		default:
			stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
		}
	}
	return globalArgs, stages
}

// binaryCopy finds the final stage's COPY of the binary that make build wrote.
func binaryCopy(t *testing.T, stages []dockerStage) dockerInstruction {
	t.Helper()
	for _, in := range stages[len(stages)-1].all("COPY") {
		if f := strings.Fields(in.args); len(f) == 2 && strings.HasSuffix(f[0], "/bin/finhealth") && in.flags["from"] != "" {
			return in
		}
	}
	t.Fatal("the final stage does not COPY --from a build stage's bin/finhealth")
	return dockerInstruction{}
}

// imageBinary is where the image holds finhealth, which the Compose file and
// railway.toml run.
func imageBinary(t *testing.T) string {
	t.Helper()
	_, stages := parseDockerfile(t)
	return strings.Fields(binaryCopy(t, stages).args)[1]
}

// TestDockerfile checks that the image is built by `make build`, with the Go version
// the tests use and the version baked in, and that the final image runs that binary
// as a non-root user, on PORT, with a health check that needs no shell.
func TestDockerfile(t *testing.T) {
	args, stages := parseDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("the Dockerfile has %d stage(s); want a build stage and a small final one", len(stages))
	}
	final := stages[len(stages)-1]

	// The final stage copies the binary out of the stage that ran `make build`.
	copyBin := binaryCopy(t, stages)
	i := slices.IndexFunc(stages, func(s dockerStage) bool { return s.name == copyBin.flags["from"] })
	if i < 0 {
		t.Fatalf("COPY --from=%s names no stage", copyBin.flags["from"])
	}
	build := stages[i]
	var workdir string
	madeWith, argsSeen := -1, map[string]bool{}
	for j, in := range build.ins {
		switch in.cmd {
		case "WORKDIR":
			workdir = in.args
		case "ARG":
			k, _, _ := strings.Cut(in.args, "=")
			argsSeen[k] = true
		case "RUN":
			if slices.Equal(in.exec(t), []string{"make", "build"}) {
				madeWith = j
				// The Makefile reads VERSION and COMMIT from the environment, which the
				// build arguments declared before this RUN provide.
				if !argsSeen["VERSION"] || !argsSeen["COMMIT"] {
					t.Error("ARG VERSION and ARG COMMIT must come before RUN make build, or the version is not baked in")
				}
			}
		}
	}
	if madeWith < 0 {
		t.Fatalf("build stage %q does not RUN exactly `make build`", build.name)
	}
	if src := strings.Fields(copyBin.args)[0]; src != workdir+"/bin/finhealth" {
		t.Errorf("the final stage copies %s, but make build writes %s/bin/finhealth", src, workdir)
	}

	goVersion := goDirective(t)
	if args["GO_VERSION"] != goVersion || build.base != "golang:${GO_VERSION}-bookworm" {
		t.Errorf("build stage FROM %s with GO_VERSION=%s; want golang:${GO_VERSION}-bookworm with go.mod's %s",
			build.base, args["GO_VERSION"], goVersion)
	}

	binary := strings.Fields(copyBin.args)[1]
	users := final.all("USER")
	if len(users) == 0 {
		t.Error("the final stage has no USER: it would run as root")
	} else if u, _, _ := strings.Cut(users[len(users)-1].args, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("the final stage runs as USER %s", users[len(users)-1].args)
	}
	env := map[string]string{}
	for _, in := range final.all("ENV") {
		for _, kv := range strings.Fields(in.args) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	if env["PORT"] != "5000" || !slices.ContainsFunc(final.all("EXPOSE"), func(in dockerInstruction) bool { return in.args == "5000" }) {
		t.Errorf("the final stage should set PORT=5000 and EXPOSE 5000; ENV %v", env)
	}
	if env["APP_ENV"] != "production" {
		t.Errorf("the image should default to APP_ENV=production, not %q", env["APP_ENV"])
	}
	hc := final.all("HEALTHCHECK")
	if len(hc) != 1 || !strings.HasPrefix(hc[0].args, "CMD [") {
		t.Fatalf("the final stage needs one HEALTHCHECK in exec form (no shell in the image): %+v", hc)
	}
	probe := dockerInstruction{cmd: "CMD", args: strings.TrimPrefix(hc[0].args, "CMD ")}
	if got := probe.exec(t); !slices.Equal(got, []string{binary, "healthcheck"}) {
		t.Errorf("HEALTHCHECK runs %v, want %s healthcheck", got, binary)
	}
	if _, err := time.ParseDuration(hc[0].flags["timeout"]); err != nil {
		t.Errorf("HEALTHCHECK --timeout: %v", err)
	}
	cmds := final.all("CMD")
	if len(cmds) != 1 || !slices.Equal(cmds[0].exec(t), []string{binary, "serve"}) {
		t.Errorf("the image should start with CMD [%q, \"serve\"]: %+v", binary, cmds)
	}
	if len(final.all("ENTRYPOINT")) > 0 {
		t.Error("an ENTRYPOINT would prefix Compose's and Railway's commands; use CMD only")
	}
}

// goDirective is go.mod's go version.
func goDirective(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(repoFile("go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

// TestMakeBuild runs the build the Dockerfile runs and checks that the binary is
// static (the final image has no C library) and reports the version it was given.
func TestMakeBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole binary")
	}
	if _, err := exec.LookPath("make"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("make is required under CI")
		}
		t.Skip("make is not installed")
	}
	bin := filepath.Join(t.TempDir(), "finhealth")
	cmd := exec.Command("make", "-C", repoFile(""), "build", "BIN="+bin, "VERSION=v9.8.7-test", "COMMIT=0123456789ab")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary names a dynamic loader: it is not static (CGO_ENABLED=0 lost?)")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("the binary links %v (%v)", libs, err)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || string(out) != "finhealth v9.8.7-test (commit 0123456789ab)\n" {
		t.Errorf("bin/finhealth version: %q %v", out, err)
	}
}

// composeFile is the part of docker-compose.yml the tests read.
type composeFile struct {
	Services map[string]struct {
		Image string
		Build struct {
			Context string
			Args    map[string]string
		}
		Command     []string
		EnvFile     string            `yaml:"env_file"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string
		Volumes     []string
		Healthcheck struct {
			Test    []string
			Disable bool
		}
		DependsOn       map[string]struct{ Condition string } `yaml:"depends_on"`
		StopGracePeriod string                                `yaml:"stop_grace_period"`
	}
	Volumes map[string]any
}

// TestComposeFile checks the services, ports, volume, health checks and start order
// of docker-compose.yml, and that its secrets come from a git-ignored env file.
func TestComposeFile(t *testing.T) {
	chdirTemp(t)
	b, err := os.ReadFile(repoFile("docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	web, db := c.Services["web"], c.Services["db"]

	if !regexp.MustCompile(`^postgres:1[56](\.|$)`).MatchString(db.Image) {
		t.Errorf("db image %q, want postgres:15 or postgres:16", db.Image)
	}
	if !slices.Equal(db.Ports, []string{"127.0.0.1:5432:5432"}) {
		t.Errorf("db ports %v: PostgreSQL must be published on 127.0.0.1:5432 only", db.Ports)
	}
	if _, ok := c.Volumes["postgres_data"]; !ok || !slices.Contains(db.Volumes, "postgres_data:/var/lib/postgresql/data") {
		t.Errorf("db must keep its data in the volume postgres_data: volumes %v, db mounts %v", c.Volumes, db.Volumes)
	}
	if got := strings.Join(db.Healthcheck.Test, " "); !strings.Contains(got, "pg_isready") || db.Healthcheck.Disable {
		t.Errorf("db health check %q", got)
	}

	if web.Build.Context != "." || web.Build.Args["VERSION"] == "" || web.Build.Args["COMMIT"] == "" {
		t.Errorf("web must build the Dockerfile here with VERSION and COMMIT: %+v", web.Build)
	}
	if !slices.Contains(web.Ports, "5000:5000") || web.Environment["PORT"] != "5000" {
		t.Errorf("web ports %v with PORT=%q; want 5000:5000", web.Ports, web.Environment["PORT"])
	}
	if web.Environment["APP_ENV"] != "production" {
		t.Errorf("web APP_ENV=%q", web.Environment["APP_ENV"])
	}
	binary := imageBinary(t)
	if got := web.Healthcheck.Test; !slices.Equal(got, []string{"CMD", binary, "healthcheck"}) || web.Healthcheck.Disable {
		t.Errorf("web health check %v", got)
	}
	if web.DependsOn["db"].Condition != "service_healthy" {
		t.Errorf("web must wait for a healthy db: depends_on %+v", web.DependsOn)
	}
	// Production does not migrate on start: a one-shot service does, first.
	migrate := c.Services["migrate"]
	if !slices.Equal(migrate.Command, []string{binary, "migrate"}) || migrate.Image != web.Image ||
		migrate.DependsOn["db"].Condition != "service_healthy" || web.DependsOn["migrate"].Condition != "service_completed_successfully" {
		t.Errorf("a migrate service must run finhealth migrate on web's image after db is healthy, and web start after it: %+v", migrate)
	}
	cfg, err := loadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if d, err := time.ParseDuration(web.StopGracePeriod); err != nil || d <= cfg.ShutdownTimeout {
		t.Errorf("web stop_grace_period %q must exceed the app's %v graceful shutdown", web.StopGracePeriod, cfg.ShutdownTimeout)
	}

	for name, s := range c.Services {
		if s.EnvFile != ".env.production" {
			t.Errorf("service %s: env_file %q, want .env.production", name, s.EnvFile)
		}
	}
	gitignore, err := os.ReadFile(repoFile(".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Split(string(gitignore), "\n"), "/.env.production") {
		t.Error(".gitignore does not ignore /.env.production: real secrets could be committed")
	}
}

// TestProductionEnvExample checks the committed example of .env.production: it holds
// no secret, so that an instance started from it unedited refuses to run, and once
// its blanks are filled in, check-config finds nothing unsafe in it.
func TestProductionEnvExample(t *testing.T) {
	chdirTemp(t)
	example, err := readDotenv(repoFile(".env.production.example"))
	if err != nil || example == nil {
		t.Fatalf("reading .env.production.example: %v", err)
	}
	for _, k := range []string{"POSTGRES_PASSWORD", "SECRET_KEY", "JWT_SECRET_KEY", "WAVE_CLIENT_SECRET"} {
		if v, ok := example[k]; !ok || v != "" {
			t.Errorf("%s: want a blank to fill in, got %q (present: %t)", k, v, ok)
		}
	}
	env := with(example, map[string]string{"APP_ENV": "production"})
	if _, findings := inspectConfig(envOf(env)); !slices.ContainsFunc(findings, func(f finding) bool { return f.unsafe && f.setting == "SECRET_KEY" }) {
		t.Errorf("the unedited example is not refused: %+v", findings)
	}

	// DATABASE_URL reaches the db service as the user and database the db service creates.
	want := fmt.Sprintf("postgres://%s:PASSWORD@db:5432/%s?sslmode=disable", example["POSTGRES_USER"], example["POSTGRES_DB"])
	if example["DATABASE_URL"] != want {
		t.Errorf("DATABASE_URL %q, want %q", example["DATABASE_URL"], want)
	}
	password := "0f1e2d3c4b5a69788796a5b4c3d2e1f0aabbccdd"
	filled := with(env, map[string]string{
		"POSTGRES_PASSWORD": password, "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB,
		"DATABASE_URL": strings.Replace(example["DATABASE_URL"], "PASSWORD", password, 1),
	})
	for _, f := range func() []finding { _, fs := inspectConfig(envOf(filled)); return fs }() {
		if f.unsafe {
			t.Errorf("the filled-in example is unsafe: %s: %s", f.setting, f.problem)
		}
	}
}

// TestRailwayConfig checks railway.toml: the Dockerfile builder, the health check,
// a restart policy, and migrations applied by the pre-deploy command with the binary
// where the Dockerfile puts it.
func TestRailwayConfig(t *testing.T) {
	chdirTemp(t)
	conf := parseTOMLSubset(t, repoFile("railway.toml"))
	want := map[string]any{
		"build.builder":             "DOCKERFILE",
		"build.dockerfilePath":      "Dockerfile",
		"deploy.healthcheckPath":    "/healthz",
		"deploy.restartPolicyType":  "ON_FAILURE",
		"deploy.preDeployCommand":   []string{imageBinary(t) + " migrate"},
		"deploy.healthcheckTimeout": int64(60),
	}
	for k, v := range want {
		if fmt.Sprint(conf[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, conf[k], v)
		}
	}
	if _, err := os.Stat(repoFile(conf["build.dockerfilePath"].(string))); err != nil {
		t.Error(err)
	}
	if n, _ := conf["deploy.restartPolicyMaxRetries"].(int64); n < 1 {
		t.Errorf("restartPolicyMaxRetries = %v", conf["deploy.restartPolicyMaxRetries"])
	}
	if _, ok := conf["deploy.startCommand"]; ok {
		t.Error("startCommand would replace the image's CMD; leave serving to the Dockerfile")
	}
	cfg, err := loadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := conf["deploy.drainingSeconds"].(int64); time.Duration(s)*time.Second <= cfg.ShutdownTimeout {
		t.Errorf("drainingSeconds = %d must exceed the app's %v graceful shutdown", s, cfg.ShutdownTimeout)
	}
}

// parseTOMLSubset reads the little TOML railway.toml uses (tables; string, integer
// and string-array values) into "table.key" entries, and fails on anything else, so
// that a construct it cannot check is not silently ignored.
func parseTOMLSubset(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	conf, table := map[string]any{}, ""
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			table = strings.Trim(line, "[]")
			continue
		}
		k, v, ok := strings.Cut(line, " = ")
		if !ok || table == "" {
			t.Fatalf("%s:%d: not `key = value` in a table: %q", path, n+1, line)
		}
		key := table + "." + k
		if _, dup := conf[key]; dup {
			t.Fatalf("%s:%d: %s set twice", path, n+1, key)
		}
		if s, err := strconv.Unquote(v); err == nil && strings.HasPrefix(v, `"`) {
			conf[key] = s
		} else if i, err := strconv.ParseInt(v, 10, 64); err == nil {
			conf[key] = i
		} else if arr := []string(nil); json.Unmarshal([]byte(v), &arr) == nil && strings.HasPrefix(v, "[") {
			conf[key] = arr
		} else {
			t.Fatalf("%s:%d: %s: value %s is not a string, an integer or an array of strings", path, n+1, key, v)
		}
	}
	return conf
}
