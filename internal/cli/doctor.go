package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/urfave/cli/v2"

	"github.com/xrole/xrole/cache"
	"github.com/xrole/xrole/credproc"
	"github.com/xrole/xrole/internal/awsconfig"
	"github.com/xrole/xrole/setup"
)

// Clock skew doctor reports: AWS refuses signatures more than 15 minutes
// off, and expiry times are misjudged well before that.
const (
	skewFail = 5 * time.Minute
	skewWarn = time.Minute
)

func (a *app) doctorCommand() *cli.Command {
	flags := append(roleFlags(),
		&cli.BoolFlag{Name: "json", Usage: "print the checks as JSON"},
		&cli.StringFlag{Name: "target-profile", Usage: "profile that may read the target role (iam:GetRole), to tell an untrusted principal from a wrong external id"},
	)
	return &cli.Command{
		Name:      "doctor",
		Usage:     "walk the chain (config, instance metadata, identity, clock, AssumeRole, cache) and name the first broken link with its fix",
		ArgsUsage: "[PROFILE]",
		Flags:     flags,
		Action:    a.runDoctor,
	}
}

// check is one link of the chain as doctor saw it.
type check struct {
	Name   string        `json:"name"`
	Status string        `json:"status"` // ok, warn, fail
	Detail string        `json:"detail"`
	Fix    string        `json:"fix,omitempty"`
	kind   credproc.Kind // of a failure, for the exit code
}

type doctor struct {
	a      *app
	c      *cli.Context
	checks []check
}

func (d *doctor) ok(name, format string, args ...any) {
	d.checks = append(d.checks, check{Name: name, Status: "ok", Detail: fmt.Sprintf(format, args...)})
}

func (d *doctor) warn(name, detail, fix string) {
	d.checks = append(d.checks, check{Name: name, Status: "warn", Detail: detail, Fix: fix})
}

// fail records the broken link: the error's message, and its hints as the fix.
func (d *doctor) fail(name string, err error) {
	kind := credproc.KindOf(err)
	var ue usageError
	if errors.As(err, &ue) {
		kind = credproc.KindConfig
	}
	d.checks = append(d.checks, check{Name: name, Status: "fail", Detail: oneLine(err.Error()),
		Fix: oneLine(strings.Join(credproc.HintsOf(err), "; ")), kind: kind})
}

// doctorFailed is doctor's error once the report is printed.
type doctorFailed struct{ c check }

func (e doctorFailed) Error() string {
	return fmt.Sprintf("doctor: the %q check failed (see the report)", e.c.Name)
}

func (e doctorFailed) ExitCode() int { return kindExit(e.c.kind) }

func (a *app) runDoctor(c *cli.Context) error {
	profile, err := a.profileArg(c)
	if err != nil {
		return err
	}
	a.mayPrompt = true // an MFA role may ask on a terminal, as env does
	d := &doctor{a: a, c: c}
	d.run(c.Context, profile)
	var failed *check
	for i := range d.checks {
		if d.checks[i].Status == "fail" {
			failed = &d.checks[i]
		}
	}
	if c.Bool("json") {
		out, _ := json.MarshalIndent(struct {
			Profile string  `json:"profile"`
			OK      bool    `json:"ok"`
			Checks  []check `json:"checks"`
		}{profile, failed == nil, d.checks}, "", "  ")
		a.env.Stdout.Write(append(out, '\n'))
	} else {
		d.print(profile, failed != nil)
	}
	if failed != nil {
		return doctorFailed{*failed}
	}
	return nil
}

func (d *doctor) print(profile string, failed bool) {
	var b bytes.Buffer
	name := profile
	if name == "" {
		name = "(none: flags and XROLE_* variables)"
	}
	fmt.Fprintf(&b, "xrole doctor, profile %s\n", name)
	for _, ch := range d.checks {
		status := map[string]string{"ok": "ok", "warn": "warn", "fail": "FAIL"}[ch.Status]
		fmt.Fprintf(&b, "  %-4s  %-16s %s\n", status, ch.Name, ch.Detail)
		if ch.Fix != "" {
			fmt.Fprintf(&b, "        %-16s fix: %s\n", "", ch.Fix)
		}
	}
	if failed {
		b.WriteString("stopped at the first broken link\n")
	} else {
		b.WriteString("all checks passed\n")
	}
	d.a.env.Stdout.Write(b.Bytes())
}

// run walks the chain, stopping at the first failure.
func (d *doctor) run(ctx context.Context, profile string) {
	r, l, top, err := d.a.resolve(d.c, profile)
	if err != nil {
		d.fail("config", err)
		return
	}
	if profile != "" {
		d.ok("config", "[%s] in %s: %s", sectionName(profile), r.config.Path, top.role.ARN)
		d.wiring(r, profile, l.keys)
	} else {
		d.ok("config", "role %s from flags and variables", top.role.ARN)
	}
	var hops []*hop
	for h := top; h != nil; h = h.base {
		hops = append([]*hop{h}, hops...)
	}
	base, ok := d.source(ctx, hops[0])
	if !ok {
		return
	}
	caller, ok := d.identity(ctx, r, hops[0], base)
	if !ok {
		return
	}
	creds := base
	for _, h := range hops {
		if creds, ok = d.assume(ctx, r, h, caller, creds); !ok {
			return
		}
		caller = h.role.ARN
	}
	d.cache(l)
}

// wiring warns when the AWS CLI would not reach xrole for the profile.
func (d *doctor) wiring(r *resolver, profile string, keys map[string]string) {
	cp := keys["credential_process"]
	switch {
	case cp == "":
		d.warn("credential_process", "the profile has no credential_process line, so the AWS CLI and SDKs never call xrole for it",
			"xrole configure "+profile)
	case !strings.Contains(cp, "xrole") || !strings.Contains(cp, " process"):
		d.warn("credential_process", fmt.Sprintf("credential_process runs %q, not xrole process", cp), "xrole configure "+profile)
	}
	if creds, err := awsconfig.Load(r.credsPath); err == nil {
		if s, ok := creds.CredentialsProfile(profile); ok && s["aws_access_key_id"] != "" {
			d.warn("static keys", fmt.Sprintf("[%s] in %s has static keys, which the AWS CLI uses instead of credential_process", profile, r.credsPath),
				"remove that section from "+r.credsPath)
		}
	}
}

// source checks the base credentials of the bottom hop.
func (d *doctor) source(ctx context.Context, h *hop) (aws.Credentials, bool) {
	if h.source == "imds" {
		return d.metadata(ctx) // link by link
	}
	name := "source"
	var c aws.Credentials
	p, err := d.a.baseProvider(ctx, h)
	if err == nil {
		c, err = p.Retrieve(ctx)
	}
	if err != nil {
		d.fail(name, credproc.Errorf(credproc.KindBase, "base credentials: %v", err))
		return c, false
	}
	d.ok(name, "%s, key %s", c.Source, credproc.RedactKeyID(c.AccessKeyID))
	return c, true
}

// metadata checks instance metadata link by link.
func (d *doctor) metadata(ctx context.Context) (aws.Credentials, bool) {
	md := d.a.imds()
	base := md.Endpoint.Base()
	if md.Endpoint.Disabled {
		d.fail("metadata", credproc.Errorf(credproc.KindBase, "instance metadata is disabled by AWS_EC2_METADATA_DISABLED").
			WithHint("unset AWS_EC2_METADATA_DISABLED, or choose another source with --source env or --source profile:NAME"))
		return aws.Credentials{}, false
	}
	if !md.Answers(ctx) {
		d.fail("metadata", credproc.Errorf(credproc.KindBase, "instance metadata at %s does not answer", base).
			WithHint("on EC2, enable the endpoint: aws ec2 modify-instance-metadata-options --instance-id ID --http-endpoint enabled; off EC2, choose another source with --source env or --source profile:NAME"))
		return aws.Credentials{}, false
	}
	d.ok("metadata", "%s answers", base)
	if err := md.Token(ctx); err != nil {
		d.fail("imdsv2 token", err)
		return aws.Credentials{}, false
	}
	d.ok("imdsv2 token", "token issued")
	role, err := md.RoleName(ctx)
	if err == nil {
		var c aws.Credentials
		if c, err = md.Retrieve(ctx); err == nil {
			d.ok("instance role", "%s, key %s", role, credproc.RedactKeyID(c.AccessKeyID))
			return c, d.fresh(c)
		}
	}
	d.fail("instance role", err)
	return aws.Credentials{}, false
}

// fresh checks that the instance role's credentials are not about to expire:
// EC2 rotates them well before.
func (d *doctor) fresh(c aws.Credentials) bool {
	left := c.Expires.Sub(d.a.env.Now())
	if left < 5*time.Minute {
		d.fail("role credentials", credproc.Errorf(credproc.KindBase, "the instance role's credentials expire at %s (%s from now)", c.Expires.UTC().Format(time.RFC3339), left.Round(time.Second)).
			WithHint("EC2 renews them at least 5 minutes ahead: check the clock (timedatectl), and that nothing caches metadata answers in front of %s", d.a.imds().Endpoint.Base()))
		return false
	}
	d.ok("role credentials", "valid until %s", c.Expires.UTC().Format(time.RFC3339))
	return true
}

// dateRecorder remembers the Date header of the last answer and the local
// time it arrived, to measure clock skew.
type dateRecorder struct {
	next http.RoundTripper
	now  func() time.Time

	mu     sync.Mutex
	server time.Time
	local  time.Time
}

func (r *dateRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		if t, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
			r.mu.Lock()
			r.server, r.local = t, r.now()
			r.mu.Unlock()
		}
	}
	return resp, err
}

// skew is how far AWS's clock runs ahead of ours (negative: behind).
func (r *dateRecorder) skew() (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.server.IsZero() {
		return 0, false
	}
	// Date has whole seconds: the server's time was up to a second later.
	return r.server.Add(500 * time.Millisecond).Sub(r.local).Round(time.Second), true
}

// identity calls sts:GetCallerIdentity with the base credentials, and
// checks the clock against the Date of STS's answer.
func (d *doctor) identity(ctx context.Context, r *resolver, bottom *hop, base aws.Credentials) (callerRole string, ok bool) {
	region := bottom.role.Region
	if region == "" && bottom.bottomIsIMDS() {
		region, _ = d.a.imds().Region(ctx)
	}
	if region == "" {
		region = "us-east-1"
	}
	hc := credproc.AWSHTTPClient()
	rec := &dateRecorder{next: hc.Transport, now: d.a.env.Now}
	hc.Transport = rec
	client := credproc.NewSTSClient(credproc.STSConfig{Region: region, Endpoint: bottom.endpoint, HTTP: hc, MaxAttempts: 2})
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.Options) {
		o.Credentials = credproc.Static{Creds: base}
	})
	skew, dated := rec.skew()
	if err != nil {
		if dated && abs(skew) >= skewFail {
			d.clock(skew, dated) // the signature failed because of the clock
			return "", false
		}
		d.fail("identity", identityError(err, base))
		return "", false
	}
	arn := aws.ToString(out.Arn)
	d.ok("identity", "%s", arn)
	if !d.clock(skew, dated) {
		return "", false
	}
	return roleOfSession(arn), true
}

func (d *doctor) clock(skew time.Duration, dated bool) bool {
	fix := "sync the clock: timedatectl set-ntp true (or chronyc makestep)"
	switch {
	case !dated:
		d.warn("clock", "STS's answer carried no Date header, so the clock was not compared", "")
	case abs(skew) >= skewFail:
		d.fail("clock", credproc.Errorf(credproc.KindBase, "this machine's clock is %s %s AWS's (Date of STS's answer)", abs(skew), aheadBehind(skew)).
			WithHint("%s", fix))
		return false
	case abs(skew) >= skewWarn:
		d.warn("clock", fmt.Sprintf("this machine's clock is %s %s AWS's", abs(skew), aheadBehind(skew)), fix)
	default:
		d.ok("clock", "within %s of AWS", max(abs(skew), time.Second))
	}
	return true
}

func aheadBehind(skew time.Duration) string {
	if skew > 0 {
		return "behind" // AWS is ahead of us
	}
	return "ahead of"
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func identityError(err error, base aws.Credentials) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return credproc.Errorf(credproc.KindBase, "STS rejects the base credentials (%s, key %s): %s: %s", base.Source, credproc.RedactKeyID(base.AccessKeyID), ae.ErrorCode(), ae.ErrorMessage()).
			WithHint("renew the source credentials; on EC2 check that the instance profile's role still exists")
	}
	return credproc.Errorf(credproc.KindUnavailable, "STS unreachable: %v", err).
		WithHint("check network access to the STS endpoint (a VPC endpoint for STS, or a proxy via HTTPS_PROXY)")
}

// roleOfSession turns arn:aws:sts::A:assumed-role/NAME/SESSION into
// arn:aws:iam::A:role/NAME; other ARNs stay.
func roleOfSession(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return arn
	}
	res := strings.Split(parts[5], "/")
	if len(res) < 3 || res[0] != "assumed-role" {
		return arn
	}
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", parts[1], parts[4], res[1])
}

// assume calls sts:AssumeRole for one hop (never through the cache) and,
// on a denial, works out which link is broken as far as AWS's answer and
// the readable policies allow.
func (d *doctor) assume(ctx context.Context, r *resolver, h *hop, caller string, base aws.Credentials) (aws.Credentials, bool) {
	name := "assume"
	role, shown, err := d.a.hopRole(ctx, h)
	if err != nil {
		d.fail(name, err)
		return aws.Credentials{}, false
	}
	c, err := d.a.assume(h, role, shown, credproc.Static{Creds: base}).Retrieve(ctx)
	if err == nil {
		d.ok(name, "%s as session %s, valid until %s", role.ARN, role.SessionName, c.Expires.UTC().Format(time.RFC3339))
		return c, true
	}
	if credproc.KindOf(err) != credproc.KindDenied {
		d.fail(name, err)
		return aws.Credentials{}, false
	}
	d.fail(name, d.explainDenial(ctx, r, h, role, caller, base, err))
	return aws.Credentials{}, false
}

func (d *doctor) explainDenial(ctx context.Context, r *resolver, h *hop, role credproc.Role, caller string, base aws.Credentials, denied error) error {
	denyf := func(format string, args ...any) *credproc.Error {
		return credproc.Errorf(credproc.KindDenied, format, args...)
	}
	profile := h.profile
	if profile == "" {
		profile = "PROFILE"
	}
	setupHint := fmt.Sprintf("xrole setup --target-profile ADMIN --source-profile ADMIN --role-name %s --source-role %s (merges it, removes nothing)", path.Base(role.ARN), caller)
	identityMissing := denyf("%s may not call sts:AssumeRole on %s: no identity-based policy of the caller allows it", caller, role.ARN).
		WithHint("allow it in the caller's account: %s", setupHint)
	if strings.Contains(denied.Error(), "no identity-based policy allows") {
		return identityMissing
	}
	if allowed, known := d.callerAllows(ctx, r, caller, base, role.ARN); known && !allowed {
		return identityMissing
	}
	tp := d.c.String("target-profile")
	if tp == "" {
		return denyf("AssumeRole on %s denied: either its trust policy does not allow %s with this external id, or the caller's policies do not allow sts:AssumeRole on it (AWS does not say which)", role.ARN, caller).
			WithHint("run xrole doctor %s --target-profile ADMIN with a profile that can read the role (iam:GetRole) to tell which", profile)
	}
	ac, err := d.a.profileAccount(ctx, r, tp, "")
	if err != nil {
		return denyf("AssumeRole on %s denied; --target-profile: %v", role.ARN, err)
	}
	out, err := ac.IAM().GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(path.Base(role.ARN))})
	if err != nil {
		return denyf("AssumeRole on %s denied, and --target-profile %s cannot read the role: %v", role.ARN, tp, oneLine(err.Error())).
			WithHint("give --target-profile iam:GetRole on %s, or compare its trust policy with %s and xrole_external_id by hand", role.ARN, caller)
	}
	if max := time.Duration(aws.ToInt32(out.Role.MaxSessionDuration)) * time.Second; max > 0 && role.Duration > max {
		return denyf("the session duration %s is above the role's maximum %s", role.Duration, max).
			WithHint("lower --duration (profile key xrole_duration), or raise the role's maximum: xrole setup ... --max-session %s", role.Duration)
	}
	finding, err := setup.EvaluateTrust(aws.ToString(out.Role.AssumeRolePolicyDocument), caller, role.ExternalID)
	if err != nil {
		return denyf("AssumeRole on %s denied, and its trust policy does not parse: %v", role.ARN, err)
	}
	switch finding {
	case setup.TrustNoPrincipal:
		return denyf("untrusted principal: the trust policy of %s does not allow %s", role.ARN, caller).
			WithHint("add it to the trust policy: %s", setupHint)
	case setup.TrustExternalIDMissing:
		return denyf("the trust policy of %s requires an external id (sts:ExternalId) and none is set", role.ARN).
			WithHint("set it: xrole configure %s --external-id ID (the value in the trust policy's condition)", profile)
	case setup.TrustExternalIDWrong:
		return denyf("wrong external id: the trust policy of %s allows %s only with another sts:ExternalId", role.ARN, caller).
			WithHint("set the right one: xrole configure %s --external-id ID (the value in the trust policy's condition)", profile)
	}
	return denyf("the trust policy of %s allows %s, yet AWS denies: %s", role.ARN, caller, oneLine(denied.Error())).
		WithHint("look for what else limits the call: a permissions boundary or an SCP on the caller, an MFA condition, session tags the trust policy does not allow (sts:TagSession)")
}

// callerAllows reads the caller role's own policies with its credentials.
// known is false when they cannot be read (instance roles rarely may).
func (d *doctor) callerAllows(ctx context.Context, r *resolver, caller string, base aws.Credentials, target string) (allowed, known bool) {
	if !strings.Contains(caller, ":role/") {
		return false, false
	}
	ac := &account{r: r, creds: credproc.Static{Creds: base}}
	c, role := ac.IAM(), path.Base(caller)
	names, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		return false, false
	}
	for _, n := range names.PolicyNames {
		p, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(n)})
		if err != nil {
			return false, false
		}
		if setup.AllowsAssume(aws.ToString(p.PolicyDocument), target) {
			return true, true
		}
	}
	att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	if err != nil {
		return false, false
	}
	for _, ap := range att.AttachedPolicies {
		pol, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: ap.PolicyArn})
		if err != nil {
			return false, false
		}
		v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: ap.PolicyArn, VersionId: pol.Policy.DefaultVersionId})
		if err != nil {
			return false, false
		}
		if setup.AllowsAssume(aws.ToString(v.PolicyVersion.Document), target) {
			return true, true
		}
	}
	return false, true
}

// cache opens the configured store and writes, reads and deletes a probe entry.
func (d *doctor) cache(l lookup) {
	a := d.a
	cc, err := a.cacheSettings(l)
	if err != nil {
		d.fail("cache", err)
		return
	}
	if cc.spec == "none" {
		d.ok("cache", "none (every call goes to STS)")
		return
	}
	s, _, oerr := a.openCache(cc)
	if oerr != nil {
		d.fail("cache", fmt.Errorf("cache %s: %w", cc.spec, oerr))
		return
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	key := cache.Key("xrole-doctor-probe", hex.EncodeToString(b))
	probe := []byte(`{"probe":true}`)
	err = s.Set(key, probe, a.env.Now().Add(time.Minute))
	var got []byte
	if err == nil {
		got, err = s.Get(key)
	}
	if err == nil && !bytes.Equal(got, probe) {
		err = errors.New("read back something else than was written")
	}
	_ = s.Delete(key)
	if err != nil {
		d.fail("cache", credproc.Errorf(credproc.KindConfig, "cache %s cannot keep an entry: %v", s.Name(), err).
			WithHint("check %s (owner, mode 700, free space), or choose another backend with --cache", cc.dir))
		return
	}
	d.ok("cache", "%s (an entry written, read back and removed)", s.Name())
}
