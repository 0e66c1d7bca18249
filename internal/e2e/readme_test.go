package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xrole/xrole/internal/motoworld"
)

// readmeBlocks returns the shell blocks (fences without a language) of the
// README section that starts with heading, up to the next "## ".
func readmeBlocks(t *testing.T, heading string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, heading)
	if start < 0 {
		t.Fatalf("README has no %q", heading)
	}
	text = text[start+len(heading):]
	if end := strings.Index(text, "\n## "); end >= 0 {
		text = text[:end]
	}
	var blocks []string
	var cur []string
	in, shell := false, false
	for _, l := range strings.Split(text, "\n") {
		switch {
		case !in && strings.HasPrefix(l, "```"):
			in, shell, cur = true, l == "```", nil
		case in && l == "```":
			if shell {
				blocks = append(blocks, strings.Join(cur, "\n"))
			}
			in = false
		case in:
			cur = append(cur, l)
		}
	}
	return blocks
}

// The README's "Five minutes on EC2", run as written against moto: the
// names of the example are this world's, the administrator profiles are
// named as in the README, and nothing else changes but what needs a real
// AWS (the CLI's endpoint, a managed policy moto does not preload, and the
// programs of the last block).
func TestReadmeWalkthrough(t *testing.T) {
	b := newBareEnv(t)
	readOnly := b.readPolicy("ReadOnly")
	b.adminProfiles("ops-admin", "prod-admin")
	blocks := readmeBlocks(t, "## Five minutes on EC2")
	if len(blocks) != 4 || blocks[2] != "xrole doctor prod" {
		t.Fatalf("the walkthrough has %d shell blocks, the test knows 4 (setup, configure, doctor, use): update it\n%q", len(blocks), blocks)
	}
	cli := "aws sts get-caller-identity --endpoint-url " + b.stsURL + " --output text --query Arn"
	ext := ""
	rewrite := func(block string) string {
		r := strings.NewReplacer(
			"arn:aws:iam::aws:policy/ReadOnlyAccess", readOnly,
			"arn:aws:iam::222222222222:role/deploy", b.world.TargetRoleARN,
			"--role-name deploy", "--role-name "+b.world.TargetRole,
			"--source-role web", "--source-role "+b.world.InstanceRole,
			"i-0123456789abcdef0", b.world.InstanceID,
			"5f1c0c7e...", ext,
			"aws sts get-caller-identity", cli,
			"terraform plan", cli,
			"./deploy.sh", cli,
		)
		return r.Replace(block)
	}
	run := func(block string) string {
		t.Helper()
		r := b.run(nil, "bash", "-e", "-c", rewrite(block))
		b.noSecrets(r.stderr, "")
		if r.code != 0 {
			t.Fatalf("README block failed (exit %d):\n%s\nstdout:\n%s\nstderr:\n%s", r.code, rewrite(block), r.stdout, r.stderr)
		}
		return r.stdout
	}

	// 1. The plan, then (as the text says) the same without --dry-run, with --write-profile prod.
	if out := run(blocks[0]); !strings.Contains(out, "dry run: ") {
		t.Fatalf("step 1 printed:\n%s", out)
	}
	applied := strings.Replace(blocks[0], "--dry-run", "--write-profile prod", 1)
	if out := run(applied); !strings.Contains(out, "changes made") || !strings.Contains(out, "wrote [profile prod]") {
		t.Fatalf("step 1 without --dry-run printed:\n%s", out)
	}
	cfg, _ := os.ReadFile(b.vars["AWS_CONFIG_FILE"])
	ext = profileValue(string(cfg), "xrole_external_id")
	if out := run(applied); !strings.Contains(out, "no changes") {
		t.Errorf("a second run printed:\n%s", out)
	}
	// 2. configure, with the external id setup generated.
	if out := run(blocks[1]); !strings.Contains(out, "[profile prod]") {
		t.Fatalf("step 2 printed:\n%s", out)
	}
	// 3. doctor.
	if out := run(blocks[2]); !strings.HasSuffix(out, "all checks passed\n") {
		t.Fatalf("step 3 printed:\n%s", out)
	}
	// 4. Use it: each line that prints an identity prints the target role's.
	out := run(blocks[3])
	want := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", motoworld.TargetAccount, b.world.TargetRole, b.world.InstanceID)
	if n := strings.Count(out, want); n != 3 {
		t.Errorf("step 4: %d of 3 identities are %s:\n%s", n, want, out)
	}
}
