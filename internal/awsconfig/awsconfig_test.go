package awsconfig

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sample = `# top comment
; another comment
[default]
region = us-east-1

[profile prod]
credential_process = /usr/local/bin/xrole process prod
XRole_Role_ARN     = arn:aws:iam::111122223333:role/deploy
xrole_external_id  = a#b;c   # botocore keeps this whole
s3 =
    max_concurrent_requests = 20
services = local

[services local]
sts =
  endpoint_url = http://127.0.0.1:5000

[legacy]
region = eu-west-1

[sso-session corp]
sso_region = eu-west-1
`

func TestParse(t *testing.T) {
	f, err := Parse("config", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	prod, ok := f.ConfigProfile("prod")
	if !ok {
		t.Fatal("prod not found")
	}
	if got := prod["xrole_role_arn"]; got != "arn:aws:iam::111122223333:role/deploy" {
		t.Errorf("keys are case-insensitive as in botocore: got %q", got)
	}
	if got := prod["xrole_external_id"]; got != "a#b;c   # botocore keeps this whole" {
		t.Errorf("no inline comments: got %q", got)
	}
	if got := prod["credential_process"]; got != "/usr/local/bin/xrole process prod" {
		t.Errorf("credential_process %q", got)
	}
	if !strings.Contains(prod["s3"], "max_concurrent_requests = 20") {
		t.Errorf("nested value %q", prod["s3"])
	}
	svc, ok := f.Section("services local")
	if !ok || !strings.Contains(svc["sts"], "endpoint_url = http://127.0.0.1:5000") {
		t.Errorf("services section %v", svc)
	}
	if d, ok := f.ConfigProfile("default"); !ok || d["region"] != "us-east-1" {
		t.Errorf("default %v", d)
	}
	if l, ok := f.ConfigProfile("legacy"); !ok || l["region"] != "eu-west-1" {
		t.Errorf("a [NAME] section counts as a profile, as older files have it: %v", l)
	}
	if _, ok := f.ConfigProfile("corp"); ok {
		t.Error("an sso-session is not a profile")
	}
	if got, want := f.ProfileNames(), []string{"default", "prod"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ProfileNames %v, want %v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	for name, text := range map[string]string{
		"unclosed section":   "[profile prod\nregion = x\n",
		"key before section": "region = x\n[profile a]\n",
	} {
		if _, err := Parse("config", []byte(text)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.HasPrefix(err.Error(), "parse config: ") {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	f, err := Load(filepath.Join(t.TempDir(), "nope"))
	if err != nil || f.Exists {
		t.Fatalf("Load of a missing file: %v, exists %v", err, f.Exists)
	}
	if _, ok := f.ConfigProfile("x"); ok {
		t.Error("profile in an empty file")
	}
}

func TestPaths(t *testing.T) {
	env := map[string]string{"HOME": "/home/u"}
	c, k := Paths(func(s string) string { return env[s] })
	if c != "/home/u/.aws/config" || k != "/home/u/.aws/credentials" {
		t.Errorf("defaults %q %q", c, k)
	}
	env["AWS_CONFIG_FILE"], env["AWS_SHARED_CREDENTIALS_FILE"] = "~/cfg", "/etc/creds"
	c, k = Paths(func(s string) string { return env[s] })
	if c != "/home/u/cfg" || k != "/etc/creds" {
		t.Errorf("overrides %q %q", c, k)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("[profile a]\nk=v\n")
	f.Add("[")
	seeds, _ := filepath.Glob("testdata/*.ini")
	for _, s := range seeds {
		b, _ := os.ReadFile(s)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, text string) {
		file, err := Parse("fuzz", []byte(text))
		if err != nil {
			return
		}
		for _, n := range file.ProfileNames() {
			if _, ok := file.ConfigProfile(n); !ok {
				t.Fatalf("listed profile %q cannot be read", n)
			}
		}
	})
}
