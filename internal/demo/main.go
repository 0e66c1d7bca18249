// Command demo shows xrole's main job on loopback fakes: moto_server with a
// two-account world, an IMDSv2 fake playing the instance, and the real AWS
// CLI reading credentials through `credential_process = xrole process demo`.
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

	step("starting moto_server (STS, IAM), the STS guard and the IMDSv2 fake on loopback")
	st, err := motoworld.StartStage(ctx, dir, "demo", xrole)
	if err != nil {
		return err
	}
	defer st.Close()
	w, guard, stsURL := st.World, st.Guard, st.STSURL
	step("the world: instance %s with role %s in account %s, target role in account %s", w.InstanceID, w.InstanceRole, motoworld.SourceAccount, motoworld.TargetAccount)
	fmt.Printf("    instance role  %s\n    target role    %s (trusts the instance role, requires external id %q)\n", w.InstanceRoleARN, w.TargetRoleARN, w.ExternalID)
	step("a throwaway AWS config (%s):", st.Config)
	fmt.Print(indent(st.Profile))

	// Files under the throwaway home, not the user's own keyring.
	env := st.Env("XROLE_CACHE=file")
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
	step("xrole cache list (the second CLI was served from the cache: %d AssumeRole call in all)", guard.AssumeCalls())
	list := exec.CommandContext(ctx, xrole, "cache", "list")
	list.Env, list.Stdout, list.Stderr = env, os.Stdout, os.Stderr
	if err := list.Run(); err != nil {
		return fmt.Errorf("xrole cache list: %w", err)
	}
	step("done: the AWS CLI acted as the target role, from the instance role, through xrole; stopping the fakes")
	return nil
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
