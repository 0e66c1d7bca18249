// Command demo shows xrole's main job on loopback fakes: moto_server with
// two accounts holding only an instance role, `xrole setup` building the
// IAM side and writing the profile, `xrole doctor` passing, an IMDSv2 fake
// playing the instance, and the real AWS CLI reading credentials through
// `credential_process = xrole process demo`.
// It touches nothing outside a temporary directory, never the user's ~/.aws,
// and stops everything it started.
//
// Usage: go run ./internal/demo PATH-TO-XROLE
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/xrole/xrole/internal/motoworld"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo: error:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: demo PATH-TO-XROLE")
	}
	xrole, err := filepath.Abs(os.Args[1])
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	dir, err := os.MkdirTemp("", "xrole-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	step("starting moto_server (STS, IAM, EC2), the guard in front of it and the IMDSv2 fake on loopback")
	st, err := motoworld.StartBareStage(ctx, dir, "demo")
	if err != nil {
		return err
	}
	defer st.Close()
	w, guard, stsURL := st.World, st.Guard, st.STSURL
	step("the world before setup: instance %s in account %s runs with role %s, which may do nothing;", w.InstanceID, motoworld.SourceAccount, w.InstanceRole)
	fmt.Printf("    account %s has no role for it; each account has an administrator profile\n", motoworld.TargetAccount)
	fmt.Printf("    (source-admin, target-admin) in a throwaway credentials file; the AWS config file:\n")
	fmt.Print(indent(st.Profile))

	// Files under the throwaway home, not the user's own keyring.
	env := st.Env("XROLE_CACHE=file")
	xr := func(args ...string) error {
		cmd := exec.CommandContext(ctx, xrole, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, &indentWriter{w: os.Stdout}, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("xrole %s: %w", args[0], err)
		}
		return nil
	}
	setup := []string{"setup", "--target-profile", "target-admin", "--source-profile", "source-admin",
		"--role-name", w.TargetRole, "--source-role", w.InstanceRole, "--max-session", "1h",
		"--instance-id", w.InstanceID, "--region", motoworld.Region, "--write-profile", "demo"}
	step("xrole %s", strings.Join(setup, " "))
	if err := xr(setup...); err != nil {
		return err
	}
	cfg, err := os.ReadFile(st.Config)
	if err != nil {
		return err
	}
	step("the AWS config file now (%s):", st.Config)
	fmt.Print(indent(string(cfg)))

	step("xrole doctor demo")
	if err := xr("doctor", "demo"); err != nil {
		return err
	}
	clis := awsCLIs()
	if len(clis) == 0 {
		return fmt.Errorf("no AWS CLI found (apt-get install -y awscli)")
	}
	for _, cli := range clis {
		step("%s sts get-caller-identity --profile demo", cli)
		cmd := exec.CommandContext(ctx, cli, "sts", "get-caller-identity", "--profile", "demo", "--endpoint-url", stsURL, "--output", "json")
		cmd.Env = env
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("%s: %w", cli, err)
		}
		var id struct{ Account, Arn string }
		if err := json.Unmarshal(out, &id); err != nil {
			return fmt.Errorf("%s printed %q: %w", cli, out, err)
		}
		fmt.Printf("    account  %s\n    identity %s\n", id.Account, id.Arn)
		if id.Account != motoworld.TargetAccount {
			return fmt.Errorf("identity is in account %s, want the target account %s", id.Account, motoworld.TargetAccount)
		}
	}
	step("xrole cache list (AssumeRole calls so far: %d, one by doctor and one for the first CLI; the second CLI was served from the cache)", guard.AssumeCalls())
	if err := xr("cache", "list"); err != nil {
		return err
	}
	step("xrole setup again: it reads, finds everything in place, and writes nothing")
	if err := xr(setup...); err != nil {
		return err
	}
	step("done: setup built the IAM side, doctor passed, and the AWS CLI acted as the target role through xrole; stopping the fakes")
	return nil
}

// indentWriter indents what a command prints under the demo's steps,
// however the command splits its writes.
type indentWriter struct {
	w       *os.File
	midLine bool
}

func (iw *indentWriter) Write(p []byte) (int, error) {
	var b strings.Builder
	for _, c := range string(p) {
		if !iw.midLine {
			b.WriteString("    ")
		}
		b.WriteRune(c)
		iw.midLine = c != '\n'
	}
	_, err := iw.w.WriteString(b.String())
	return len(p), err
}

func step(format string, args ...any) { fmt.Printf("==> "+format+"\n", args...) }

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n    ") + "\n"
}

// awsCLIs returns the AWS CLIs to show: v1 from PATH and Debian's v2.
func awsCLIs() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range []string{"aws", "/usr/bin/aws"} {
		p, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		v, err := exec.Command(p, "--version").CombinedOutput()
		if err != nil {
			continue
		}
		major := strings.SplitN(string(v), ".", 2)[0]
		if !seen[major] {
			seen[major] = true
			out = append(out, p)
		}
	}
	return out
}
