package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xrole/xrole/internal/motoworld"
)

const spokeAccount = "333333333333"

// Instance role, then a hub role in the target account, then a spoke role
// in a third account that trusts only the hub: profile:hub chains them.
func TestChainHubThenSpoke(t *testing.T) {
	t.Parallel()
	clis := awsCLIs(t)
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	spokeName := "spoke-" + e.world.Name
	spokeARN, err := moto.CreateRole(ctx, spokeAccount, spokeName, motoworld.TrustRole(e.world.TargetRoleARN, ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := moto.PutRolePolicy(ctx, motoworld.TargetAccount, e.world.TargetRole, "to-spoke", motoworld.AllowAssume(spokeARN)); err != nil {
		t.Fatal(err)
	}
	e.config(prodProfile + fmt.Sprintf(`
[profile spoke]
credential_process = %s process spoke
xrole_role_arn     = %s
xrole_source       = profile:prod
xrole_session_name = spoke-session
region             = eu-west-1
`, xroleBin, spokeARN))
	arn, r := e.callerIdentity(clis["v2"], nil, "--profile", "spoke")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/spoke-session", spokeAccount, spokeName)
	if arn != want {
		t.Fatalf("identity %q, want %q", arn, want)
	}
	// The hop limit for chains is checked before any call.
	r = e.xrole(nil, "process", "spoke", "--duration", "2h")
	if r.code != 2 || !strings.Contains(r.stderr, "outside 15m0s..1h0m0s") {
		t.Errorf("chained 2h: exit %d, stderr %q", r.code, r.stderr)
	}
}

// --source env takes the base credentials from the environment and never
// asks instance metadata for them.
func TestSourceEnv(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	e.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = closedURL(t)
	c := e.world.Instance
	r := e.xrole(map[string]string{
		"AWS_ACCESS_KEY_ID": c.AccessKeyID, "AWS_SECRET_ACCESS_KEY": c.SecretAccessKey, "AWS_SESSION_TOKEN": c.Token,
		"XROLE_SOURCE": "env", "XROLE_SESSION_NAME": "from-env",
	}, "process", "prod")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	reqs := e.guard.AssumeRequests()
	if len(reqs) != 1 || reqs[0].Get("RoleSessionName") != "from-env" {
		t.Errorf("requests %v", reqs)
	}
}

// --source profile:NAME with static keys in the credentials file.
func TestSourceStaticProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.world.Instance
	e.config(prodProfile + "xrole_source = profile:base\n")
	creds := fmt.Sprintf("[base]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n", c.AccessKeyID, c.SecretAccessKey, c.Token)
	if err := os.WriteFile(e.vars["AWS_SHARED_CREDENTIALS_FILE"], []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	before := e.imds.Requests()
	r := e.xrole(nil, "process", "prod", "--session-name", "static")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := e.imds.Requests() - before; n != 0 {
		t.Errorf("%d instance metadata requests; the source was a profile", n)
	}
}
