package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// make demo is the README's first command: it must keep working.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "github.com/xrole/xrole/internal/demo", xroleBin)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{
		"4 changes made",
		"wrote [profile demo]",
		"all checks passed",
		"identity arn:aws:sts::222222222222:assumed-role/deploy-demo/i-",
		"no changes: everything is in place",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if n := strings.Count(s, "identity arn:aws:sts::222222222222:assumed-role/deploy-demo/"); n != 2 {
		t.Errorf("%d AWS CLIs acted as the target role, want 2 (v1 and v2):\n%s", n, s)
	}
}
