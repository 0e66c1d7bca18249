package cli

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// hostile values: quotes, dollars, backslashes, newlines, and the
// characters each shell treats specially.
var hostile = []kv{
	{"AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"},
	{"AWS_SECRET_ACCESS_KEY", `it's "quoted" $HOME \n\\ back\slash`},
	{"AWS_SESSION_TOKEN", "line one\nline two $(touch /tmp/pwned) `id` %PATH% & | < > ^ ;"},
	{"AWS_CREDENTIAL_EXPIRATION", "2026-11-22T20:00:00Z"},
	{"AWS_REGION", "eu-west-1"},
}

// cmdSafe are values cmd can hold (no newline, quote or !).
var cmdSafe = []kv{
	{"AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"},
	{"AWS_SECRET_ACCESS_KEY", `50% $HOME \back\slash & | < > ^ ;`},
	{"AWS_SESSION_TOKEN", "FwoGZXIvYXdzEJr//////////wEaDM+token=="},
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -run Golden -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

func TestEnvFormatsGolden(t *testing.T) {
	for _, f := range formats {
		values := hostile
		if f == "cmd" {
			values = cmdSafe
		}
		out, err := script(f, values, shadowing)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		golden(t, "env."+f, out)
		unset, err := script(f, nil, append(append([]string{}, exported...), shadowing...))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "env-unset."+f, unset)
	}
}

func TestCmdRefusesWhatItCannotHold(t *testing.T) {
	for _, v := range []string{"a\nb", `a"b`, "a!b"} {
		out, err := script("cmd", []kv{{"AWS_SESSION_TOKEN", v}}, nil)
		if err == nil || out != "" {
			t.Errorf("cmd accepted %q: %q", v, out)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := script("tcsh", nil, nil); err == nil || exitCode(err) != ExitUsage {
		t.Fatalf("got %v", err)
	}
}

// Each shell reads back exactly the values: the quoting holds whatever they
// contain, and nothing in them runs.
func TestShellsReadBackHostileValues(t *testing.T) {
	shells := map[string]struct {
		format string
		print  string // prints each variable on its own, NUL-terminated
	}{
		"bash": {"sh", `printf '%s\0' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" "$AWS_REGION"`},
		"dash": {"sh", `printf '%s\0' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" "$AWS_REGION"`},
		"zsh":  {"sh", `printf '%s\0' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" "$AWS_REGION"`},
		"fish": {"fish", `printf '%s\0' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" "$AWS_REGION"`},
	}
	for name, s := range shells {
		t.Run(name, func(t *testing.T) {
			sh, err := exec.LookPath(name)
			if err != nil {
				t.Fatalf("%s is not installed; scripts/deps installs it", name)
			}
			src, err := script(s.format, hostile, shadowing)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "env")
			os.WriteFile(file, []byte(src), 0o600)
			cmd := exec.Command(sh, "-c", ". "+file+"; "+s.print)
			cmd.Dir = dir
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			for i, e := range hostile {
				if i >= len(got) || got[i] != e.v {
					t.Errorf("%s read back %q, want %q", e.k, got, e.v)
					break
				}
			}
			if _, err := os.Stat("/tmp/pwned"); err == nil {
				t.Error("a value ran a command")
			}
		})
	}
}
