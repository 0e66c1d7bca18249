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

	step("starting moto_server (STS, IAM) on loopback")
	moto, err := motoworld.Start(ctx, filepath.Join(dir, "moto.log"))
	if err != nil {
		return err
	}
	defer moto.Stop()
	guard := motoworld.NewGuard(moto)
	stsURL, closeSTS, err := motoworld.Serve(guard)
	if err != nil {
		return err
	}
	defer closeSTS()

	step("creating the world: instance role in account %s, target role in account %s", motoworld.SourceAccount, motoworld.TargetAccount)
	w, err := moto.NewWorld(ctx, guard, "demo")
	if err != nil {
		return err
	}
	fmt.Printf("    instance role  %s\n    target role    %s (trusts the instance role, requires external id %q)\n", w.InstanceRoleARN, w.TargetRoleARN, w.ExternalID)

	step("starting the IMDSv2 fake for instance %s", w.InstanceID)
	imdsURL, closeIMDS, err := motoworld.Serve(w.IMDS())
	if err != nil {
		return err
	}
	defer closeIMDS()

	home := filepath.Join(dir, "home")
	cfgPath := filepath.Join(home, ".aws", "config")
	if err := os.MkdirAll(filepath.Dir(cfgPath), 0o700); err != nil {
		return err
	}
	profile := fmt.Sprintf(`[profile demo]
credential_process = %s process demo
xrole_role_arn     = %s
xrole_external_id  = %s
region             = %s
`, xrole, w.TargetRoleARN, w.ExternalID, motoworld.Region)
	if err := os.WriteFile(cfgPath, []byte(profile), 0o600); err != nil {
		return err
	}
	step("a throwaway AWS config (%s):", cfgPath)
	fmt.Print(indent(profile))

	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + cfgPath,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imdsURL,
		"AWS_ENDPOINT_URL_STS=" + stsURL,
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent",
		// Files under the throwaway home, not the user's own keyring.
		"XROLE_CACHE=file",
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
