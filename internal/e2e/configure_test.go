package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A config file as people keep it; configure may change only [profile prod].
const configBefore = `# top comment
[default]
region = us-east-1

; ops team
[profile ops]
output=text
s3 =
  max_concurrent_requests = 20

[profile prod]
# keep me
region = {{REGION}}
xrole_role_arn = arn:aws:iam::222222222222:role/old

# about z
[profile z]
region = eu-central-1
`

func TestConfigureRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.config(configBefore)
	cfgPath := e.vars["AWS_CONFIG_FILE"]
	before, _ := os.ReadFile(cfgPath)
	// xrole installed where the path needs quoting.
	dir := filepath.Join(t.TempDir(), "my tools")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "xrole")
	data, err := os.ReadFile(xroleBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"configure", "prod", "--role-arn", e.world.TargetRoleARN, "--external-id", e.world.ExternalID, "--region", "eu-west-1", "--duration", "30m"}
	r := e.run(nil, bin, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("configure: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := strings.Replace(string(before), "xrole_role_arn = arn:aws:iam::222222222222:role/old\n",
		"xrole_role_arn = "+e.world.TargetRoleARN+"\n"+
			"credential_process = '"+bin+"' process prod\n"+
			"xrole_external_id = "+e.world.ExternalID+"\n"+
			"xrole_duration = 30m\n", 1)
	got, _ := os.ReadFile(cfgPath)
	if string(got) != want {
		t.Fatalf("config after configure:\n%s\nwant:\n%s", got, want)
	}
	if !strings.HasPrefix(r.stdout, "wrote [profile prod] in "+cfgPath+": credential_process, xrole_role_arn, xrole_external_id, xrole_duration") {
		t.Errorf("stdout: %q", r.stdout)
	}
	// Both AWS CLIs run the quoted credential_process line.
	for v, cli := range awsCLIs(t) {
		if arn, res := e.callerIdentity(cli, nil, "--profile", "prod"); arn != e.wantTargetARN() {
			t.Fatalf("%s: %q\n%s", v, arn, res.stderr)
		}
	}
	// Again: nothing to write.
	r = e.run(nil, bin, args...)
	if after, _ := os.ReadFile(cfgPath); r.code != 0 || string(after) != want || !strings.Contains(r.stdout, "is up to date") {
		t.Errorf("second configure: code %d %q, file changed: %v", r.code, r.stdout, string(after) != want)
	}
}

func TestConfigureFoundThroughPATH(t *testing.T) {
	e := newEnv(t)
	// sh finds xrole on the test's PATH and runs it as plain "xrole".
	r := e.run(nil, "sh", "-c", "xrole configure ci --role-arn "+e.world.TargetRoleARN+" --source env --region eu-west-1")
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	got, _ := os.ReadFile(e.vars["AWS_CONFIG_FILE"])
	want := "[profile ci]\ncredential_process = " + xroleBin + " process ci\nxrole_role_arn = " + e.world.TargetRoleARN + "\nregion = eu-west-1\nxrole_source = env\n"
	if string(got) != want {
		t.Errorf("new file:\n%s\nwant:\n%s", got, want)
	}
}

func TestConfigureWarnsAboutStaticKeys(t *testing.T) {
	e := newEnv(t)
	if err := os.WriteFile(e.vars["AWS_SHARED_CREDENTIALS_FILE"], []byte("[prod]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = not-a-real-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.xrole(nil, "configure", "prod", "--role-arn", e.world.TargetRoleARN)
	if r.code != 0 || !strings.HasPrefix(r.stderr, "xrole: warning: [prod] in "+e.vars["AWS_SHARED_CREDENTIALS_FILE"]+" has static keys") {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "not-a-real-secret") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr: %q", r.stderr)
	}
}
