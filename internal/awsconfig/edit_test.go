package awsconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A config file as people keep them: comments, odd spacing, nested
// values, an old-style section, and the profile in the middle.
const before = `# work laptop
[default]
region=us-east-1   ; inline, kept as is
output = json

; production, by hand
[profile prod]
# the role we use
region = eu-west-1
xrole_role_arn = arn:aws:iam::222222222222:role/old

[profile dev]
s3 =
  max_concurrent_requests = 20
[services local]
sts =
  endpoint_url = http://localhost:5000
`

func setProfile(t *testing.T, content, name string, keys ...KV) (string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config")
	if content != "" {
		if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	changed, err := SetProfile(path, name, keys)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(path, got); err != nil {
		t.Fatalf("result does not parse: %v\n%s", err, got)
	}
	return string(got), changed
}

func TestSetProfileChangesOnlyItsSection(t *testing.T) {
	got, changed := setProfile(t, before, "prod",
		KV{"credential_process", "/usr/bin/xrole process prod"},
		KV{"xrole_role_arn", "arn:aws:iam::222222222222:role/deploy"},
		KV{"region", "eu-west-1"})
	want := strings.Replace(before,
		"xrole_role_arn = arn:aws:iam::222222222222:role/old\n",
		"xrole_role_arn = arn:aws:iam::222222222222:role/deploy\ncredential_process = /usr/bin/xrole process prod\n", 1)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if strings.Join(changed, ",") != "credential_process,xrole_role_arn" {
		t.Errorf("changed = %v", changed)
	}
}

func TestSetProfileAppendsNewSection(t *testing.T) {
	got, _ := setProfile(t, before, "ci", KV{"credential_process", "xrole process ci"})
	if want := before + "\n[profile ci]\ncredential_process = xrole process ci\n"; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// No final newline, CRLF line ends.
	crlf := "[default]\r\nregion = us-east-1"
	got, _ = setProfile(t, crlf, "ci", KV{"a", "1"})
	if want := crlf + "\r\n\r\n[profile ci]\r\na = 1\r\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	got, _ = setProfile(t, crlf, "default", KV{"a", "1"})
	if want := "[default]\r\nregion = us-east-1\r\na = 1\r\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	got, _ = setProfile(t, "", "default", KV{"a", "1"})
	if got != "[default]\na = 1\n" {
		t.Errorf("new file: %q", got)
	}
}

func TestSetProfileTwiceChangesNothing(t *testing.T) {
	keys := []KV{{"credential_process", "'/opt/my tools/xrole' process prod"}, {"xrole_external_id", "abc"}}
	first, _ := setProfile(t, before, "prod", keys...)
	second, changed := setProfile(t, first, "prod", keys...)
	if second != first || len(changed) != 0 {
		t.Errorf("second run changed %v", changed)
	}
}

func TestSetProfileKeepsModeAndSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles-config")
	if err := os.WriteFile(real, []byte(before), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, err := SetProfile(link, "prod", []KV{{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v", err)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
}

func TestSetProfileRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	for _, c := range []struct {
		name string
		keys []KV
	}{
		{"a]b", nil}, {"", nil}, {" x", nil}, {"x", []KV{{"k", "two\nlines"}}},
	} {
		if _, err := SetProfile(path, c.name, c.keys); err == nil {
			t.Errorf("SetProfile(%q, %v) accepted", c.name, c.keys)
		}
	}
	if err := os.WriteFile(path, []byte("key-before-section = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := SetProfile(path, "x", []KV{{"a", "b"}}); err == nil {
		t.Error("edited a file that does not parse")
	}
}
