package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xrole/xrole/internal/imdsfake"
	"github.com/xrole/xrole/internal/motoworld"
)

var worldSeq atomic.Int64

// env is one test's machine: a world in moto, its guard, its instance
// metadata, and a home directory with an AWS config file.
type env struct {
	t     testing.TB
	world *motoworld.World
	guard *motoworld.Guard
	imds  *imdsfake.Server
	// URLs of the fakes.
	stsURL, imdsURL string
	home            string
	vars            map[string]string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, func(ctx context.Context, g *motoworld.Guard, name string) (*motoworld.World, error) {
		return moto.NewWorld(ctx, g, name)
	})
}

// newEnvWith is newEnv with the world that build makes.
func newEnvWith(t testing.TB, build func(context.Context, *motoworld.Guard, string) (*motoworld.World, error)) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g := motoworld.NewGuard(moto)
	name := fmt.Sprintf("%s-%d", regexp.MustCompile(`[^A-Za-z0-9]`).ReplaceAllString(t.Name(), ""), worldSeq.Add(1))
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	w, err := build(ctx, g, name)
	if err != nil {
		t.Fatal(err)
	}
	gs := httptest.NewServer(g)
	t.Cleanup(gs.Close)
	md := w.IMDS()
	ms := httptest.NewServer(md)
	t.Cleanup(ms.Close)
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, world: w, guard: g, imds: md, stsURL: gs.URL, imdsURL: ms.URL, home: home}
	e.vars = map[string]string{
		"PATH":                              binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME":                              home,
		"AWS_CONFIG_FILE":                   filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE":       filepath.Join(home, ".aws", "credentials"),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": ms.URL,
		"AWS_ENDPOINT_URL_STS":              gs.URL,
		"DBUS_SESSION_BUS_ADDRESS":          "unix:path=/nonexistent",
		"LANG":                              "C.UTF-8",
		// Each test's own file cache under its home; keyctl's user keyring
		// is shared by every process of the user, so tests choose it
		// explicitly.
		"XROLE_CACHE": "file",
	}
	return e
}

// config writes the AWS config file; {{KEY}} expands to world values.
func (e *env) config(text string) {
	e.t.Helper()
	r := strings.NewReplacer(
		"{{TARGET_ARN}}", e.world.TargetRoleARN,
		"{{EXTERNAL_ID}}", e.world.ExternalID,
		"{{XROLE}}", xroleBin,
		"{{REGION}}", motoworld.Region,
	)
	if err := os.WriteFile(e.vars["AWS_CONFIG_FILE"], []byte(r.Replace(text)), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// prodProfile is the profile most tests use.
const prodProfile = `# managed by hand
[default]
region = us-east-1

[profile prod]
credential_process = {{XROLE}} process prod
xrole_role_arn     = {{TARGET_ARN}}
xrole_external_id  = {{EXTERNAL_ID}}
region             = {{REGION}}
`

type result struct {
	stdout, stderr string
	code           int
}

// run runs a command with the test's environment (and nothing of the
// developer's: no ~/.aws, no AWS_* variables but ours).
func (e *env) run(extra map[string]string, name string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	return e.runCmd(e.command(ctx, extra, name, args...))
}

// runCmd runs a prepared command and collects its output and exit code.
func (e *env) runCmd(cmd *exec.Cmd) result {
	e.t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("run %s: %v", cmd.Path, err)
	}
	return result{out.String(), errb.String(), code}
}

// command prepares a command with the test's environment.
func (e *env) command(ctx context.Context, extra map[string]string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	for k, v := range e.vars {
		if _, ok := extra[k]; !ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	for k, v := range extra {
		if v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func (e *env) xrole(extra map[string]string, args ...string) result {
	e.t.Helper()
	r := e.run(extra, xroleBin, args...)
	e.noSecrets(r.stderr, r.stdout)
	return r
}

// noSecrets fails the test if stderr holds a secret: the instance role's or
// any found in a credential_process document on stdout.
func (e *env) noSecrets(stderr, stdout string) {
	e.t.Helper()
	secrets := []string{e.world.Instance.SecretAccessKey, e.world.Instance.Token}
	var doc map[string]any
	if json.Unmarshal([]byte(stdout), &doc) == nil {
		for _, k := range []string{"SecretAccessKey", "SessionToken"} {
			if s, _ := doc[k].(string); s != "" {
				secrets = append(secrets, s)
			}
		}
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(stderr, s) {
			e.t.Fatalf("a secret reached stderr:\n%s", stderr)
		}
	}
}

// callerIdentity runs `aws sts get-caller-identity` with the given AWS CLI.
func (e *env) callerIdentity(cliPath string, extra map[string]string, args ...string) (string, result) {
	e.t.Helper()
	args = append([]string{"sts", "get-caller-identity", "--endpoint-url", e.stsURL, "--output", "json"}, args...)
	r := e.run(extra, cliPath, args...)
	if r.code != 0 {
		return "", r
	}
	var id struct{ Arn string }
	if err := json.Unmarshal([]byte(r.stdout), &id); err != nil {
		e.t.Fatalf("%s output %q: %v", cliPath, r.stdout, err)
	}
	return id.Arn, r
}

func (e *env) wantTargetARN() string {
	return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", motoworld.TargetAccount, e.world.TargetRole, e.world.InstanceID)
}

// awsCLIs are the AWS CLI v1 (pip, on PATH as aws) and v2 (Debian's
// /usr/bin/aws). A missing one fails the test: .ci/run installs both.
func awsCLIs(t *testing.T) map[string]string {
	t.Helper()
	clis := map[string]string{}
	for _, p := range strings.Split(os.Getenv("PATH"), string(os.PathListSeparator)) {
		c := filepath.Join(p, "aws")
		if _, err := os.Stat(c); err != nil {
			continue
		}
		out, err := exec.Command(c, "--version").CombinedOutput()
		if err != nil {
			continue
		}
		switch v := string(out); {
		case strings.HasPrefix(v, "aws-cli/1.") && clis["v1"] == "":
			clis["v1"] = c
		case strings.HasPrefix(v, "aws-cli/2.") && clis["v2"] == "":
			clis["v2"] = c
		}
	}
	for _, v := range []string{"v1", "v2"} {
		if clis[v] == "" {
			t.Fatalf("AWS CLI %s not found on PATH; .ci/run installs it (pip awscli for v1, apt awscli for v2)", v)
		}
	}
	return clis
}

// motoAssumeCalls is moto's own count of AssumeRole calls on the target role.
func (e *env) motoAssumeCalls() int {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := moto.AssumeRoleCalls(ctx, e.world.TargetRoleARN)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}
