package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/xrole/xrole/internal/motoworld"
	"github.com/xrole/xrole/setup"
)

// bareEnv is a test machine on a world before setup: only the instance
// role (no permission), a running instance, and an administrator profile
// for each account in the credentials file.
type bareEnv struct {
	*env
	bare *motoworld.Bare
}

func newBareEnv(t *testing.T) *bareEnv {
	t.Helper()
	var bare *motoworld.Bare
	e := newEnvWith(t, func(ctx context.Context, g *motoworld.Guard, name string) (*motoworld.World, error) {
		b, err := moto.NewBareWorld(ctx, g, name)
		if err != nil {
			return nil, err
		}
		bare = b
		return &b.World, nil
	})
	// IAM and EC2 go through the guard too, so that tests can deny calls.
	e.vars["AWS_ENDPOINT_URL_IAM"] = e.stsURL
	e.vars["AWS_ENDPOINT_URL_EC2"] = e.stsURL
	b := &bareEnv{env: e, bare: bare}
	b.adminProfiles("src-admin", "tgt-admin")
	return b
}

// adminProfiles writes the credentials file with the administrators'
// profiles under the given names.
func (b *bareEnv) adminProfiles(source, target string) {
	b.t.Helper()
	if err := os.WriteFile(b.vars["AWS_SHARED_CREDENTIALS_FILE"], []byte(b.bare.AdminCredentials(source, target)), 0o600); err != nil {
		b.t.Fatal(err)
	}
}

// readPolicy creates a customer managed policy in the target account (moto
// does not preload AWS's own) and returns its ARN.
func (b *bareEnv) readPolicy(name string) string {
	b.t.Helper()
	arn, err := moto.CreatePolicy(context.Background(), motoworld.TargetAccount, name+"-"+b.world.Name,
		motoworld.Policy{Version: "2012-10-17", Statement: []motoworld.Statement{{Effect: "Allow", Action: "s3:Get*", Resource: "*"}}})
	if err != nil {
		b.t.Fatal(err)
	}
	return arn
}

func (b *bareEnv) setup(extra ...string) result {
	b.t.Helper()
	args := append([]string{"setup", "--target-profile", "tgt-admin", "--source-profile", "src-admin",
		"--role-name", b.world.TargetRole, "--source-role", b.world.InstanceRole, "--region", motoworld.Region}, extra...)
	r := b.xrole(nil, args...)
	for _, k := range []string{b.bare.SourceAdmin.SecretAccessKey, b.bare.TargetAdmin.SecretAccessKey} {
		if strings.Contains(r.stdout+r.stderr, k) {
			b.t.Fatal("setup printed an administrator's secret key")
		}
	}
	return r
}

// writes returns the write calls moto received from this world's
// administrators since request number from.
func (b *bareEnv) writes(from int) ([]string, int) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reqs, err := moto.Recorded(ctx)
	if err != nil {
		b.t.Fatal(err)
	}
	var w []string
	for _, r := range reqs[min(from, len(reqs)):] {
		if r.Write() && (r.AccessKeyID == b.bare.SourceAdmin.AccessKeyID || r.AccessKeyID == b.bare.TargetAdmin.AccessKeyID) {
			w = append(w, r.Form.Get("Action"))
		}
	}
	return w, len(reqs)
}

func TestSetupFromBareWorld(t *testing.T) {
	b := newBareEnv(t)
	ctx := context.Background()
	readOnly := b.readPolicy("read")
	policyFile := filepath.Join(b.home, "perm.json")
	if err := os.WriteFile(policyFile, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	b.config("# mine\n[default]\nregion = us-east-1 ; keep\n")
	before, _ := os.ReadFile(b.vars["AWS_CONFIG_FILE"])
	flags := []string{"--policy-arn", readOnly, "--policy-file", policyFile, "--max-session", "2h",
		"--instance-id", b.world.InstanceID, "--write-profile", "t"}

	// Dry run first: a plan, the profile it would write, and no write call.
	_, mark := b.writes(0)
	r := b.setup(append(flags, "--dry-run")...)
	if r.code != 0 || !strings.Contains(r.stdout, "dry run: 6 changes planned, none made") {
		t.Fatalf("dry run: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if w, _ := b.writes(mark); len(w) != 0 {
		t.Fatalf("--dry-run made write calls: %v", w)
	}
	if after, _ := os.ReadFile(b.vars["AWS_CONFIG_FILE"]); string(after) != string(before) {
		t.Fatal("--dry-run wrote the config file")
	}

	r = b.setup(flags...)
	if r.code != 0 {
		t.Fatalf("setup: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"create    target role " + b.world.TargetRole, "create    source inline policy xrole-assume",
		"create    source instance profile " + b.world.InstanceRole, "create    source instance " + b.world.InstanceID,
		"external id (generated): ", "6 changes made", "wrote [profile t]"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("setup output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}
	after, _ := os.ReadFile(b.vars["AWS_CONFIG_FILE"])
	if !strings.HasPrefix(string(after), string(before)) {
		t.Errorf("the config file's existing lines changed:\n%s", after)
	}
	f, _ := os.ReadFile(b.vars["AWS_CONFIG_FILE"])
	ext := profileValue(string(f), "xrole_external_id")
	if len(ext) != 32 || !strings.Contains(r.stdout, "external id (generated): "+ext) {
		t.Fatalf("external id %q not written or not the one printed", ext)
	}

	// The AWS CLI, through the written profile, is the target role.
	for v, cli := range awsCLIs(t) {
		arn, res := b.callerIdentity(cli, nil, "--profile", "t")
		if want := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", motoworld.TargetAccount, b.world.TargetRole, b.world.InstanceID); arn != want {
			t.Fatalf("%s: got %q, want %q\n%s", v, arn, want, res.stderr)
		}
	}

	// Read everything back from moto.
	tgt, src := moto.IAM(motoworld.TargetAccount), moto.IAM(motoworld.SourceAccount)
	role, err := tgt.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(b.world.TargetRole)})
	if err != nil {
		t.Fatal(err)
	}
	wantTrust, _, _ := setup.MergeTrust("", b.world.InstanceRoleARN, ext)
	if got := aws.ToString(role.Role.AssumeRolePolicyDocument); !setup.SamePolicy(got, wantTrust) {
		t.Errorf("trust policy:\n%s\nwant:\n%s", got, wantTrust)
	}
	if got := aws.ToInt32(role.Role.MaxSessionDuration); got != 7200 {
		t.Errorf("MaxSessionDuration %d, want 7200", got)
	}
	att, err := tgt.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(b.world.TargetRole)})
	if err != nil || len(att.AttachedPolicies) != 1 || aws.ToString(att.AttachedPolicies[0].PolicyArn) != readOnly {
		t.Errorf("attached policies: %+v %v", att, err)
	}
	perm, err := tgt.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(b.world.TargetRole), PolicyName: aws.String(setup.PermissionPolicyName)})
	if err != nil || !strings.Contains(decoded(aws.ToString(perm.PolicyDocument)), "ec2:Describe*") {
		t.Errorf("permission policy: %v", err)
	}
	inline, err := src.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(b.world.InstanceRole), PolicyName: aws.String(setup.AssumePolicyName)})
	if err != nil {
		t.Fatal(err)
	}
	wantAssume, _, _ := setup.MergeAssume("", b.world.TargetRoleARN)
	if got := aws.ToString(inline.PolicyDocument); !setup.SamePolicy(got, wantAssume) {
		t.Errorf("source inline policy:\n%s\nwant:\n%s", got, wantAssume)
	}
	ip, err := src.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(b.world.InstanceRole)})
	if err != nil || len(ip.InstanceProfile.Roles) != 1 || aws.ToString(ip.InstanceProfile.Roles[0].RoleName) != b.world.InstanceRole {
		t.Fatalf("instance profile: %+v %v", ip, err)
	}
	if got := association(t, b.world.InstanceID); got != aws.ToString(ip.InstanceProfile.Arn) {
		t.Errorf("instance %s uses %q, want %s", b.world.InstanceID, got, aws.ToString(ip.InstanceProfile.Arn))
	}

	// A second run: no changes, and not one write call.
	_, mark = b.writes(0)
	r = b.setup(flags...)
	if r.code != 0 || !strings.Contains(r.stdout, "no changes: everything is in place") || strings.Contains(r.stdout, "external id (generated)") {
		t.Fatalf("second run: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "is up to date") {
		t.Errorf("second run rewrote the profile:\n%s", r.stdout)
	}
	if w, _ := b.writes(mark); len(w) != 0 {
		t.Fatalf("second run made write calls: %v", w)
	}
}

// decoded undoes the URL encoding IAM gives policy documents.
func decoded(doc string) string {
	if d, err := url.QueryUnescape(doc); err == nil {
		return d
	}
	return doc
}

// profileValue finds key's value in a config file's text.
func profileValue(text, key string) string {
	for _, l := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// association returns the ARN of the instance profile associated with id.
func association(t *testing.T, id string) string {
	t.Helper()
	out, err := ec2Client().DescribeIamInstanceProfileAssociations(context.Background(), &ec2.DescribeIamInstanceProfileAssociationsInput{
		Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: []string{id}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range out.IamInstanceProfileAssociations {
		if a.State == ec2types.IamInstanceProfileAssociationStateAssociated && a.IamInstanceProfile != nil {
			return aws.ToString(a.IamInstanceProfile.Arn)
		}
	}
	return ""
}

func ec2Client() *ec2.Client {
	return ec2.New(ec2.Options{Region: motoworld.Region, BaseEndpoint: aws.String(moto.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIAMOTOADMIN0000000", SecretAccessKey: "x"}, nil
		}),
		APIOptions: moto.AccountOptions(motoworld.SourceAccount)})
}

func TestSetupMergesExistingTrustPolicy(t *testing.T) {
	b := newBareEnv(t)
	ctx := context.Background()
	// The target role exists, trusted by someone else, with a condition.
	other := motoworld.TrustRole("arn:aws:iam::444444444444:root", "theirs")
	other.Statement[0].Sid = "Theirs"
	if _, err := moto.CreateRole(ctx, motoworld.TargetAccount, b.world.TargetRole, other); err != nil {
		t.Fatal(err)
	}
	r := b.setup("--external-id", "ours-123")
	if r.code != 0 || !strings.Contains(r.stdout, "update    target trust policy of role "+b.world.TargetRole) {
		t.Fatalf("setup: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	role, err := moto.IAM(motoworld.TargetAccount).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(b.world.TargetRole)})
	if err != nil {
		t.Fatal(err)
	}
	doc := decoded(aws.ToString(role.Role.AssumeRolePolicyDocument))
	want, _, _ := setup.MergeTrust(other.JSON(), b.world.InstanceRoleARN, "ours-123")
	if !setup.SamePolicy(doc, want) || !strings.Contains(doc, `"Theirs"`) || !strings.Contains(doc, "444444444444") {
		t.Errorf("trust policy after setup:\n%s\nwant:\n%s", doc, want)
	}
	r = b.setup("--external-id", "ours-123")
	if !strings.Contains(r.stdout, "no changes") {
		t.Errorf("second run:\n%s", r.stdout)
	}
}

func TestSetupReplacesAnotherAssociation(t *testing.T) {
	b := newBareEnv(t)
	ctx := context.Background()
	src := moto.IAM(motoworld.SourceAccount)
	old := "old-" + b.world.Name
	if _, err := src.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(old)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec2Client().AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{
		InstanceId: aws.String(b.world.InstanceID), IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String(old)},
	}); err != nil {
		t.Fatal(err)
	}
	r := b.setup("--instance-id", b.world.InstanceID, "--instance-profile", "ip-"+b.world.Name)
	if r.code != 0 || !strings.Contains(r.stdout, "update    source instance "+b.world.InstanceID) || !strings.Contains(r.stdout, "replaces "+old) {
		t.Fatalf("setup: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := association(t, b.world.InstanceID); !strings.HasSuffix(got, ":instance-profile/ip-"+b.world.Name) {
		t.Errorf("association: %q", got)
	}
	r = b.setup("--instance-id", b.world.InstanceID, "--instance-profile", "ip-"+b.world.Name)
	if !strings.Contains(r.stdout, "unchanged source instance "+b.world.InstanceID) || !strings.Contains(r.stdout, "no changes") {
		t.Errorf("second run:\n%s", r.stdout)
	}
}

func TestSetupExplainsDenials(t *testing.T) {
	for _, c := range []struct {
		deny, side, call, account string
		createRole                bool
	}{
		{"CreateRole", "target", "iam:CreateRole", motoworld.TargetAccount, false},
		{"PutRolePolicy", "source", "iam:PutRolePolicy", motoworld.SourceAccount, false},
		{"GetRole", "source", "iam:GetRole", motoworld.SourceAccount, false},
		{"AssociateIamInstanceProfile", "source", "ec2:AssociateIamInstanceProfile", motoworld.SourceAccount, false},
	} {
		t.Run(c.deny, func(t *testing.T) {
			b := newBareEnv(t)
			b.guard.Deny(c.deny)
			r := b.setup("--instance-id", b.world.InstanceID)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			admin := b.bare.SourceAdmin.ARN
			if c.side == "target" {
				admin = b.bare.TargetAdmin.ARN
			}
			want := fmt.Sprintf("xrole: error: %s account %s: %s on ", c.side, c.account, c.call)
			if r.code != 4 || !strings.HasPrefix(lines[0], want) || !strings.Contains(lines[0], admin+" lacks the permission "+c.call) {
				t.Fatalf("code %d, stderr:\n%s\nwant first line %q...", r.code, r.stderr, want)
			}
			if len(lines) != 2 || !strings.HasPrefix(lines[1], "xrole: hint: grant "+c.call+" to "+admin) {
				t.Errorf("hint:\n%s", r.stderr)
			}
		})
	}
}
