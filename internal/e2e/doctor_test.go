package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/xrole/xrole/internal/imdsfake"
	"github.com/xrole/xrole/internal/motoworld"
)

// withTargetAdmin gives the test an administrator profile in the target
// account, tgt-admin, for doctor's --target-profile.
func withTargetAdmin(t *testing.T, e *env) {
	t.Helper()
	admin, err := moto.NewAdmin(context.Background(), motoworld.TargetAccount, "admin-"+e.world.Name)
	if err != nil {
		t.Fatal(err)
	}
	e.vars["AWS_ENDPOINT_URL_IAM"] = e.stsURL
	if err := os.WriteFile(e.vars["AWS_SHARED_CREDENTIALS_FILE"], []byte(admin.Profile("tgt-admin")), 0o600); err != nil {
		t.Fatal(err)
	}
}

type doctorReport struct {
	Profile string
	OK      bool
	Checks  []struct{ Name, Status, Detail, Fix string }
}

func (e *env) doctor(extra map[string]string, args ...string) (doctorReport, result) {
	e.t.Helper()
	r := e.xrole(extra, append([]string{"doctor", "--json"}, args...)...)
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		e.t.Fatalf("doctor --json: %v\nstdout: %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return rep, r
}

func TestDoctorHealthy(t *testing.T) {
	e := newEnv(t)
	e.config(prodProfile)
	r := e.xrole(nil, "doctor", "prod")
	if r.code != 0 || r.stderr != "" || !strings.HasSuffix(r.stdout, "all checks passed\n") {
		t.Fatalf("code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rep, _ := e.doctor(nil, "prod")
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name)
		if c.Status != "ok" {
			t.Errorf("check %s: %s %s", c.Name, c.Status, c.Detail)
		}
	}
	want := "config metadata imdsv2 token instance role role credentials identity clock assume cache"
	if got := strings.Join(names, " "); !rep.OK || got != want {
		t.Errorf("checks %q, want %q", got, want)
	}
	if !strings.Contains(r.stdout, e.world.TargetRoleARN+" as session "+e.world.InstanceID) {
		t.Errorf("assume line:\n%s", r.stdout)
	}
}

// One test per broken link: the failing check is the last one, with its fix.
func TestDoctorNamesTheBrokenLink(t *testing.T) {
	for _, c := range []struct {
		name    string
		prepare func(t *testing.T, e *env) []string // extra doctor arguments
		code    int
		check   string
		detail  string // substring of the failing check's detail
		fix     string // substring of its fix
	}{
		{"IMDS down", func(t *testing.T, e *env) []string {
			e.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = closedURL(t)
			return nil
		}, 3, "metadata", "does not answer", "--http-endpoint enabled"},
		{"hop limit", func(t *testing.T, e *env) []string {
			e.imds.SetMode(imdsfake.HopLimit, 10*time.Second)
			return nil
		}, 3, "imdsv2 token", "hop limit is too low", "aws ec2 modify-instance-metadata-options --instance-id ID --http-put-response-hop-limit 2"},
		{"no role", func(t *testing.T, e *env) []string {
			e.imds.SetMode(imdsfake.NoRole, 0)
			return nil
		}, 3, "instance role", "no IAM role is attached", "aws ec2 associate-iam-instance-profile"},
		{"skewed clock", func(t *testing.T, e *env) []string {
			e.guard.SetClockSkew(20 * time.Minute)
			return nil
		}, 3, "clock", "clock is 20m0s behind AWS's", "timedatectl set-ntp true"},
		{"wrong external id", func(t *testing.T, e *env) []string {
			withTargetAdmin(t, e)
			return []string{"--external-id", "wrong-one", "--target-profile", "tgt-admin"}
		}, 4, "assume", "wrong external id", "xrole configure prod --external-id"},
		{"missing external id", func(t *testing.T, e *env) []string {
			withTargetAdmin(t, e)
			e.config(strings.Replace(prodProfile, "xrole_external_id  = {{EXTERNAL_ID}}\n", "", 1))
			return []string{"--target-profile", "tgt-admin"}
		}, 4, "assume", "requires an external id", "xrole configure prod --external-id"},
		{"untrusted principal", func(t *testing.T, e *env) []string {
			withTargetAdmin(t, e)
			arn := e.role(t, "untrusted", motoworld.TrustRole("arn:aws:iam::333333333333:role/other", ""))
			// The instance role may assume it: only the trust policy is wrong.
			if err := moto.PutRolePolicy(context.Background(), motoworld.SourceAccount, e.world.InstanceRole, "more", motoworld.AllowAssume(arn)); err != nil {
				t.Fatal(err)
			}
			return []string{"--role-arn", arn, "--external-id", "", "--target-profile", "tgt-admin"}
		}, 4, "assume", "untrusted principal", "xrole setup --target-profile ADMIN"},
		{"denied without a target profile", func(t *testing.T, e *env) []string {
			return []string{"--external-id", "wrong-one"}
		}, 4, "assume", "AWS does not say which", "--target-profile ADMIN"},
		{"no identity policy", func(t *testing.T, e *env) []string {
			arn := e.role(t, "noallow", motoworld.TrustRole(e.world.InstanceRoleARN, ""))
			return []string{"--role-arn", arn, "--external-id", ""}
		}, 4, "assume", "no identity-based policy of the caller allows it", "xrole setup"},
		{"session above the role's maximum", func(t *testing.T, e *env) []string {
			arn, err := moto.CreateRole(context.Background(), motoworld.TargetAccount, "short-"+e.world.Name, motoworld.TrustRole(e.world.InstanceRoleARN, ""))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := moto.IAM(motoworld.TargetAccount).UpdateRole(context.Background(), &iam.UpdateRoleInput{RoleName: aws.String("short-" + e.world.Name), MaxSessionDuration: aws.Int32(3600)}); err != nil {
				t.Fatal(err)
			}
			if err := moto.PutRolePolicy(context.Background(), motoworld.SourceAccount, e.world.InstanceRole, "short", motoworld.AllowAssume(arn)); err != nil {
				t.Fatal(err)
			}
			e.vars["AWS_ACCESS_KEY_ID"], e.vars["AWS_SECRET_ACCESS_KEY"], e.vars["AWS_SESSION_TOKEN"] = e.world.Instance.AccessKeyID, e.world.Instance.SecretAccessKey, e.world.Instance.Token
			return []string{"--role-arn", arn, "--external-id", "", "--source", "env", "--duration", "2h"}
		}, 2, "assume", "exceeds the MaxSessionDuration", "raise the role's MaxSessionDuration"},
		{"unsafe cache directory", func(t *testing.T, e *env) []string {
			dir := filepath.Join(e.home, "shared-cache")
			if err := os.MkdirAll(filepath.Join(dir, "xrole"), 0o777); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(dir, "xrole"), 0o777); err != nil {
				t.Fatal(err)
			}
			e.vars["XDG_CACHE_HOME"] = dir
			return nil
		}, 2, "cache", "lets others write to it", "chmod 700"},
		{"cache directory is a file", func(t *testing.T, e *env) []string {
			dir := filepath.Join(e.home, "cachefile")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "xrole"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			e.vars["XDG_CACHE_HOME"] = dir
			return nil
		}, 2, "cache", "cache file", "a directory you own"},
		{"unknown profile", func(t *testing.T, e *env) []string {
			return []string{"nope"}
		}, 2, "config", `profile "nope" not found`, "profiles in that file: default, prod"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.config(prodProfile)
			args := c.prepare(t, e)
			if len(args) == 0 || strings.HasPrefix(args[0], "-") {
				args = append([]string{"prod"}, args...)
			}
			rep, r := e.doctor(nil, args...)
			if r.code != c.code || rep.OK {
				t.Errorf("exit %d (want %d), ok=%v", r.code, c.code, rep.OK)
			}
			last := rep.Checks[len(rep.Checks)-1]
			if last.Name != c.check || last.Status != "fail" || !strings.Contains(last.Detail, c.detail) || !strings.Contains(last.Fix, c.fix) {
				t.Errorf("last check %+v\nwant %s failing with %q, fix %q", last, c.check, c.detail, c.fix)
			}
			for _, ch := range rep.Checks[:len(rep.Checks)-1] {
				if ch.Status == "fail" {
					t.Errorf("a check failed before the last: %+v", ch)
				}
			}
			if want := fmt.Sprintf("xrole: error: doctor: the %q check failed (see the report)\n", c.check); r.stderr != want {
				t.Errorf("stderr %q, want %q", r.stderr, want)
			}
			// The text report shows the same failure, its fix, and stops.
			txt := e.xrole(nil, append([]string{"doctor"}, args...)...)
			lines := strings.Split(strings.TrimSuffix(txt.stdout, "\n"), "\n")
			n := len(lines)
			if n < 3 || !strings.HasPrefix(lines[n-3], fmt.Sprintf("  FAIL  %-16s %s", c.check, last.Detail)) ||
				!strings.Contains(lines[n-2], "fix: "+last.Fix) || lines[n-1] != "stopped at the first broken link" || txt.code != c.code {
				t.Errorf("text report (exit %d):\n%s", txt.code, txt.stdout)
			}
		})
	}
}
