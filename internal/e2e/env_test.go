package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// shell finds a shell that .ci/run installs; a missing one fails the test.
func shell(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed; scripts/deps installs it (apt-get install -y %s)", name, name)
	}
	return p
}

// eval "$(xrole env prod)" in bash, dash and zsh, and `xrole env --format
// fish | source` in fish, then the AWS CLI with no profile acts as the
// target role; AWS_PROFILE, which would shadow the keys, is cleared; the
// --unset output removes the variables.
func TestEnvEvalInShells(t *testing.T) {
	clis := awsCLIs(t)
	scripts := map[string]string{
		"bash": posixScript, "dash": posixScript, "zsh": posixScript,
		"fish": `xrole env prod --format fish | source; or exit 9
aws sts get-caller-identity --endpoint-url $STS --output text --query Arn; or exit 8
echo "region=$AWS_REGION profile=$AWS_PROFILE"
xrole env --unset --format fish | source
set -q AWS_ACCESS_KEY_ID; and echo "still set"; or echo "key unset"
set -q AWS_SESSION_TOKEN; and echo "still set"; or echo "token unset"
`,
	}
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sh := shell(t, name)
			e := newEnv(t)
			e.config(prodProfile)
			e.vars["PATH"] = filepath.Dir(clis["v2"]) + string(os.PathListSeparator) + e.vars["PATH"]
			r := e.run(map[string]string{"STS": e.stsURL, "AWS_PROFILE": "does-not-exist", "AWS_REGION": "us-east-2"}, sh, "-c", script)
			e.noSecrets(r.stderr, "")
			if r.code != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			want := e.wantTargetARN() + "\nregion=eu-west-1 profile=\nkey unset\ntoken unset\n"
			if r.stdout != want {
				t.Errorf("stdout\n%s\nwant\n%s", r.stdout, want)
			}
		})
	}
}

const posixScript = `set -e
eval "$(xrole env prod)"
aws sts get-caller-identity --endpoint-url "$STS" --output text --query Arn
echo "region=$AWS_REGION profile=${AWS_PROFILE-}"
eval "$(xrole env --unset)"
echo "key ${AWS_ACCESS_KEY_ID-unset}"
echo "token ${AWS_SESSION_TOKEN-unset}"
`

// On failure env prints nothing, so eval runs nothing.
func TestEnvFailurePrintsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	r := e.run(nil, shell(t, "bash"), "-c", `eval "$(xrole env prod --external-id wrong-one)"; echo "eval ran, key=${AWS_ACCESS_KEY_ID-unset}"`)
	if r.stdout != "eval ran, key=unset\n" || !strings.HasPrefix(r.stderr, "xrole: error: assume ") {
		t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
	}
}

func TestExec(t *testing.T) {
	t.Parallel()
	clis := awsCLIs(t)
	e := newEnv(t)
	e.config(prodProfile)

	t.Run("exit status", func(t *testing.T) {
		r := e.xrole(nil, "exec", "prod", "--", "sh", "-c", "exit 7")
		if r.code != 7 || r.stderr != "" {
			t.Errorf("exit %d, stderr %q; want 7 and nothing", r.code, r.stderr)
		}
	})
	t.Run("aws cli", func(t *testing.T) {
		r := e.xrole(map[string]string{"AWS_PROFILE": "does-not-exist"}, "exec", "prod", "--", clis["v2"], "sts", "get-caller-identity",
			"--endpoint-url", e.stsURL, "--output", "text", "--query", "Arn")
		if r.code != 0 || strings.TrimSpace(r.stdout) != e.wantTargetARN() {
			t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("profile then command without --", func(t *testing.T) {
		r := e.xrole(nil, "exec", "prod", "sh", "-c", `test -n "$AWS_SESSION_TOKEN" && echo "$AWS_REGION"`)
		if r.code != 0 || r.stdout != "eu-west-1\n" {
			t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("signal reaches the command", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := e.command(ctx, nil, xroleBin, "exec", "prod", "--", "sh", "-c",
			`trap 'echo got TERM; exit 3' TERM; echo ready; while :; do sleep 0.05; done`)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		rd := bufio.NewReader(out)
		if line, err := rd.ReadString('\n'); err != nil || line != "ready\n" {
			t.Fatalf("first line %q, %v", line, err)
		}
		// xrole replaced itself with the command: its pid is the command's.
		if err := syscall.Kill(cmd.Process.Pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		rest, _ := rd.ReadString('\n')
		err = cmd.Wait()
		if rest != "got TERM\n" {
			t.Errorf("the command did not see SIGTERM: %q", rest)
		}
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Errorf("exit %v, want 3 from the trap", err)
		}
	})
	t.Run("missing command", func(t *testing.T) {
		r := e.xrole(nil, "exec", "prod", "--", "no-such-command-xrole")
		if r.code != 127 || r.stdout != "" || r.stderr != "xrole: error: command not found: no-such-command-xrole\n" {
			t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
	})
}

// The request xrole sends carries every AssumeRole option; moto's own
// record shows the session policy.
func TestAssumeRoleOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	policy := filepath.Join(e.home, "policy.json")
	doc := `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}]
}`
	if err := os.WriteFile(policy, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.xrole(nil, "process", "prod", "--cache", "none",
		"--tag", "team=blue", "--tag", "cost-center=42", "--transitive-tag", "team",
		"--source-identity", "alice@example.com",
		"--policy-file", policy, "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess",
		"--mfa-serial", "arn:aws:iam::111111111111:mfa/alice", "--mfa-token", "123456")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	reqs := e.guard.AssumeRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d AssumeRole requests", len(reqs))
	}
	f := reqs[0]
	want := map[string]string{
		"Tags.member.1.Key": "team", "Tags.member.1.Value": "blue",
		"Tags.member.2.Key": "cost-center", "Tags.member.2.Value": "42",
		"TransitiveTagKeys.member.1": "team",
		"SourceIdentity":             "alice@example.com",
		"PolicyArns.member.1.arn":    "arn:aws:iam::aws:policy/ReadOnlyAccess",
		"SerialNumber":               "arn:aws:iam::111111111111:mfa/alice",
		"TokenCode":                  "123456",
		"Policy":                     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}`,
	}
	for k, v := range want {
		if f.Get(k) != v {
			t.Errorf("request %s = %q, want %q", k, f.Get(k), v)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	recorded, err := moto.Recorded(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rq := range recorded {
		if rq.Form.Get("Action") == "AssumeRole" && rq.Form.Get("RoleArn") == e.world.TargetRoleARN && rq.Form.Get("Policy") == want["Policy"] {
			found = true
		}
	}
	if !found {
		t.Error("moto's recorder holds no AssumeRole call with the session policy")
	}

	// The MFA code from a command, read only when STS is called.
	r = e.xrole(nil, "process", "prod", "--cache", "none", "--mfa-serial", "arn:aws:iam::111111111111:mfa/alice", "--mfa-process", "echo 654321")
	if r.code != 0 {
		t.Fatalf("mfa-process: exit %d: %s", r.code, r.stderr)
	}
	if reqs := e.guard.AssumeRequests(); reqs[len(reqs)-1].Get("TokenCode") != "654321" {
		t.Errorf("mfa-process: TokenCode %q", reqs[len(reqs)-1].Get("TokenCode"))
	}
	// From the profile's keys, as a user would write them.
	e.config(prodProfile + fmt.Sprintf("xrole_tag = team=green, env=prod\nxrole_transitive_tag = env\nxrole_policy_arn = arn:aws:iam::aws:policy/ReadOnlyAccess\nxrole_policy_file = %s\n", policy))
	if r := e.xrole(nil, "process", "prod", "--cache", "none"); r.code != 0 {
		t.Fatalf("profile keys: exit %d: %s", r.code, r.stderr)
	}
	f = e.guard.AssumeRequests()[len(e.guard.AssumeRequests())-1]
	if f.Get("Tags.member.1.Value") != "green" || f.Get("Tags.member.2.Key") != "env" || f.Get("TransitiveTagKeys.member.1") != "env" || f.Get("Policy") == "" {
		t.Errorf("profile keys not sent: %v", f)
	}
}
