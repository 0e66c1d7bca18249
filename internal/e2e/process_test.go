package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
)

// The AWS CLI v1 and v2 read xrole through credential_process and get the
// target account's assumed-role identity.
func TestAWSCLIThroughCredentialProcess(t *testing.T) {
	clis := awsCLIs(t)
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.config(prodProfile)
			arn, r := e.callerIdentity(clis[v], nil, "--profile", "prod")
			if r.code != 0 {
				t.Fatalf("aws %s exit %d\nstderr: %s", v, r.code, r.stderr)
			}
			if arn != e.wantTargetARN() {
				t.Fatalf("identity %q, want %q", arn, e.wantTargetARN())
			}
			if n := e.motoAssumeCalls(); n != 1 {
				t.Errorf("moto received %d AssumeRole calls for the target role, want 1", n)
			}
		})
	}
}

var expirationRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// stdout holds exactly one Version 1 document, with the target account and
// a UTC expiration.
func TestProcessDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	r := e.xrole(nil, "process", "prod")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("stderr not empty on success: %q", r.stderr)
	}
	if strings.Count(r.stdout, "\n") != 1 || !strings.HasSuffix(r.stdout, "}\n") {
		t.Errorf("stdout is not one line of JSON: %q", r.stdout)
	}
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc["Version"] != json.Number("1") {
		t.Errorf("Version = %v", doc["Version"])
	}
	for _, k := range []string{"AccessKeyId", "SecretAccessKey", "SessionToken"} {
		if s, _ := doc[k].(string); s == "" {
			t.Errorf("%s missing", k)
		}
	}
	if doc["AccountId"] != "222222222222" {
		t.Errorf("AccountId = %v, want the target account", doc["AccountId"])
	}
	exp, _ := doc["Expiration"].(string)
	if !expirationRe.MatchString(exp) {
		t.Fatalf("Expiration %q is not UTC RFC 3339 ending in Z", exp)
	}
	ts, _ := time.Parse(time.RFC3339, exp)
	if d := time.Until(ts); d < 50*time.Minute || d > 61*time.Minute {
		t.Errorf("Expiration %s is %v away, want about the 1h default", exp, d)
	}
	req := e.guard.AssumeRequests()
	if len(req) != 1 || req[0].Get("ExternalId") != e.world.ExternalID || req[0].Get("RoleSessionName") != e.world.InstanceID || req[0].Get("DurationSeconds") != "3600" {
		t.Errorf("AssumeRole requests = %v", req)
	}
}

// The Go SDK's own processcreds provider parses xrole's output.
func TestGoSDKProcessCreds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	// processcreds runs the command through sh with this process's
	// environment; env -i gives it the test's environment instead.
	cmd := []string{"env", "-i"}
	for k, v := range e.vars {
		cmd = append(cmd, shellQuote(k+"="+v))
	}
	p := processcreds.NewProvider(strings.Join(append(cmd, shellQuote(xroleBin), "process", "prod"), " "))
	c, err := p.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !c.CanExpire || time.Until(c.Expires) < 50*time.Minute {
		t.Errorf("CanExpire %v, Expires %v: want about an hour ahead", c.CanExpire, c.Expires)
	}
	if c.AccountID != "222222222222" || c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken == "" {
		t.Errorf("account %q, key %q: want the target account and a full set", c.AccountID, c.AccessKeyID)
	}
}

// Flags alone, with no profile and no config file, are enough; flags may
// stand after the profile name too.
func TestFlagsWithoutProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.xrole(nil, "process", "--role-arn", e.world.TargetRoleARN, "--external-id", e.world.ExternalID, "--session-name", "ci-job-17")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	e.config(strings.Replace(prodProfile, "xrole_external_id", "# no id here:", 1))
	r = e.xrole(nil, "process", "prod", "--external-id", e.world.ExternalID, "--duration", "900")
	if r.code != 0 {
		t.Fatalf("flags after the profile: exit %d: %s", r.code, r.stderr)
	}
	r = e.xrole(map[string]string{"XROLE_EXTERNAL_ID": e.world.ExternalID}, "process", "prod")
	if r.code != 0 {
		t.Fatalf("XROLE_EXTERNAL_ID: exit %d: %s", r.code, r.stderr)
	}
	reqs := e.guard.AssumeRequests()
	if len(reqs) != 3 || reqs[0].Get("RoleSessionName") != "ci-job-17" || reqs[1].Get("DurationSeconds") != "900" {
		t.Errorf("requests %v", reqs)
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// --debug explains each step on stderr, keeps stdout the bare document, and
// shows no secret (e.xrole checks stderr against every secret it knows).
func TestDebugShowsStepsNotSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	r := e.xrole(nil, "--debug", "process", "prod")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"xrole: debug: base credentials: instance role from", "xrole: debug: assume " + e.world.TargetRoleARN, "xrole: debug: got credentials{AccessKeyId:ASIA"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("debug output lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, e.world.Instance.AccessKeyID) {
		t.Errorf("debug output shows the whole instance access key id:\n%s", r.stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not the bare document: %v", err)
	}
}
