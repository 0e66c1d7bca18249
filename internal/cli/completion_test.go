package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// need fails loudly when a tool the test needs is missing (scripts/deps
// installs them).
func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s is not installed; scripts/deps installs it", tool)
	}
	return p
}

func completionScript(t *testing.T, shell string) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteCompletion(&b, shell); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Every command and every flag of the definitions is in every script and
// in the man page: they are generated, not written by hand.
func TestCompletionsAndManCoverEveryCommandAndFlag(t *testing.T) {
	var man bytes.Buffer
	if err := WriteManPage(&man, "1.2.3", "2026-01-01"); err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{"bash": completionScript(t, "bash"), "zsh": completionScript(t, "zsh"), "fish": completionScript(t, "fish"),
		"man": strings.ReplaceAll(man.String(), `\-`, "-")}
	for _, m := range append(commands(), flattenSubs(commands())...) {
		for doc, text := range docs {
			if !regexp.MustCompile(`\b` + m.name + `\b`).MatchString(text) {
				t.Errorf("%s lacks command %s", doc, m.name)
			}
			for _, f := range m.flags {
				want := "--" + f.name
				if doc == "fish" {
					want = "-l " + f.name
				}
				if !strings.Contains(text, want) {
					t.Errorf("%s lacks %s of %s", doc, want, m.name)
				}
			}
		}
	}
}

func completionHome(t *testing.T) (dir string, env []string) {
	dir = t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte("[default]\nregion = eu-west-1\n[profile prod]\nxrole_role_arn = x\n[ profile  staging ]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		if err := os.WriteFile(filepath.Join(dir, sh), []byte(completionScript(t, sh)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, []string{"HOME=" + dir, "AWS_CONFIG_FILE=" + cfg, "PATH=" + os.Getenv("PATH"), "XDG_CONFIG_HOME=" + dir, "XDG_DATA_HOME=" + dir}
}

func runShell(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(need(t, name), args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || errb.Len() > 0 {
		t.Fatalf("%s %v: %v\nstderr: %s", name, args, err, errb.String())
	}
	return out.String()
}

func TestBashCompletion(t *testing.T) {
	dir, env := completionHome(t)
	complete := func(line string) string {
		t.Helper()
		words := strings.Fields(line)
		if strings.HasSuffix(line, " ") {
			words = append(words, "")
		}
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, shQuote(w))
		}
		prog := "source " + filepath.Join(dir, "bash") + "\n" +
			"complete -p xrole >/dev/null\n" +
			"COMP_WORDS=(" + strings.Join(quoted, " ") + "); COMP_CWORD=" + string(rune('0'+len(words)-1)) + "\n" +
			"_xrole; echo \"${COMPREPLY[*]}\""
		return strings.TrimSpace(runShell(t, env, "bash", "--norc", "--noprofile", "-c", prog))
	}
	for line, want := range map[string]string{
		"xrole pro":                        "process",
		"xrole doc":                        "doctor",
		"xrole --de":                       "--debug",
		"xrole env prod --format f":        "fish",
		"xrole process p":                  "prod",
		"xrole process s":                  "staging",
		"xrole cache c":                    "clear",
		"xrole setup --target-profile ":    "default prod staging",
		"xrole process --cache keyring:k":  "keyring:keyctl keyring:kwallet keyring:keychain",
		"xrole process prod --role-a":      "--role-arn",
		"xrole process --source profile:p": "profile:prod",
		"xrole completion f":               "fish",
	} {
		if got := complete(line); got != want {
			t.Errorf("bash: %q completes to %q, want %q", line, got, want)
		}
	}
}

func TestFishCompletion(t *testing.T) {
	dir, env := completionHome(t)
	complete := func(line string) []string {
		t.Helper()
		out := runShell(t, env, "fish", "--no-config", "-c", "source "+filepath.Join(dir, "fish")+"; complete -C "+shQuote(line))
		var words []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			words = append(words, strings.SplitN(l, "\t", 2)[0])
		}
		return words
	}
	for line, want := range map[string]string{
		"xrole pro":                      "process",
		"xrole env prod --format f":      "fish",
		"xrole doctor p":                 "prod",
		"xrole cache c":                  "clear",
		"xrole setup --target-profile s": "staging",
		"xrole completion b":             "bash",
	} {
		got := complete(line)
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Errorf("fish: %q completes to %q, want %q among them", line, got, want)
		}
	}
}

func TestZshCompletionLoads(t *testing.T) {
	dir, env := completionHome(t)
	fp := filepath.Join(dir, "fpath")
	if err := os.MkdirAll(fp, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fp, "_xrole"), []byte(completionScript(t, "zsh")), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runShell(t, append(env, "ZDOTDIR="+dir), "zsh", "-f", "-c",
		"fpath=("+fp+" $fpath); autoload -U compinit; compinit -u -d "+filepath.Join(dir, "zcompdump")+"; print -r -- ${_comps[xrole]}; autoload -Uz +X _xrole && print loaded")
	if strings.TrimSpace(out) != "_xrole\nloaded" {
		t.Errorf("zsh: %q", out)
	}
}

func TestManPageRenders(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	if err := WriteManPage(&b, "1.2.3", "2026-01-01"); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "xrole.1")
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(need(t, "man"), "--warnings", "-l", page)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "MANWIDTH=100", "MANPAGER=cat", "PAGER=cat", "LANG=C.UTF-8"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || errb.Len() > 0 {
		t.Fatalf("man: %v\n%s", err, errb.String())
	}
	text := regexp.MustCompile(".\b").ReplaceAllString(out.String(), "")
	for _, want := range []string{"XROLE(1)", "NAME", "xrole doctor [PROFILE]", "--target-profile VALUE", "xrole_external_id", "EXIT STATUS", "XROLE_LOCK_TIMEOUT"} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered man page lacks %q", want)
		}
	}
}
