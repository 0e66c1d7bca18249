package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/urfave/cli/v2"

	"github.com/xrole/xrole/credproc"
	"github.com/xrole/xrole/internal/awsconfig"
)

// hop is one resolved and locally validated AssumeRole step.
type hop struct {
	profile string // "" when the settings came from flags and variables alone
	role    credproc.Role
	// Exactly one base: imds, env, a nested xrole profile, static keys or a
	// credential_process command of another profile.
	source  string
	base    *hop
	static  *aws.Credentials
	process string

	defaultSession bool // derive the session name once the base is known
	endpoint       string

	// MFA code sources, used only when STS is called.
	mfaToken   string
	mfaProcess string
}

// bottomIsIMDS reports whether the chain's base credentials come from instance metadata.
func (h *hop) bottomIsIMDS() bool {
	for ; h != nil; h = h.base {
		if h.source == "imds" {
			return true
		}
	}
	return false
}

// resolver turns profiles, flags and variables into hops, without any
// network call.
type resolver struct {
	getenv      func(string) string
	config      *awsconfig.File
	credsPath   string
	credentials *awsconfig.File // loaded only when a source profile needs it
}

func newResolver(getenv func(string) string) (*resolver, error) {
	cfgPath, credsPath := awsconfig.Paths(getenv)
	cfg, err := awsconfig.Load(cfgPath)
	if err != nil {
		return nil, credproc.Errorf(credproc.KindConfig, "AWS config file: %v", err)
	}
	return &resolver{getenv: getenv, config: cfg, credsPath: credsPath}, nil
}

// resolve reads the config file and resolves the command's chain: its
// settings (flags, variables, the profile's keys) and its top hop.
func (a *app) resolve(c *cli.Context, profile string) (*resolver, lookup, *hop, error) {
	r, err := newResolver(a.env.Getenv)
	if err != nil {
		return nil, lookup{}, nil, err
	}
	l, err := r.topLookup(c, profile)
	if err != nil {
		return r, lookup{}, nil, err
	}
	h, err := r.hop(l, []string{profile})
	return r, l, h, err
}

// topLookup reads the command's settings: flags, XROLE_* variables, then
// the profile's keys.
func (r *resolver) topLookup(c *cli.Context, profile string) (lookup, error) {
	var keys map[string]string
	if profile != "" {
		var ok bool
		keys, ok = r.config.ConfigProfile(profile)
		if !ok {
			return lookup{}, r.unknownProfile(profile)
		}
	}
	return commandLookup(c, r.getenv, keys, profile), nil
}

func (r *resolver) unknownProfile(name string) error {
	e := credproc.Errorf(credproc.KindConfig, "profile %q not found in %s", name, r.config.Path)
	if !r.config.Exists {
		return e.WithHint("the file does not exist; set AWS_CONFIG_FILE, or add [profile %s] with xrole_role_arn to it", name)
	}
	if names := r.config.ProfileNames(); len(names) > 0 {
		e.WithHint("profiles in that file: %s", strings.Join(names, ", "))
	}
	return e
}

func (r *resolver) hop(l lookup, visited []string) (*hop, error) {
	if _, ok := l.keys["role_arn"]; ok {
		return nil, credproc.Errorf(credproc.KindConfig, "profile %q sets role_arn, so the AWS CLI would assume the role itself and never ask xrole", l.profile).
			WithHint("rename role_arn to xrole_role_arn in [profile %s]", l.profile)
	}
	h := &hop{profile: l.profile}
	arn, _ := l.get(sRoleARN)
	ext, _ := l.get(sExternalID)
	session, _ := l.get(sSessionName)
	h.role = credproc.Role{ARN: arn, ExternalID: ext, SessionName: session, Duration: credproc.DefaultDuration}
	h.defaultSession = session == ""
	if d, from := l.get(sDuration); d != "" {
		dur, err := credproc.ParseDuration(d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", from, err)
		}
		h.role.Duration = dur
	}
	h.role.Region = r.region(l)
	if err := r.options(h, l); err != nil {
		return nil, err
	}

	src, from := l.get(sSource)
	if src == "" {
		src = "imds"
	}
	h.source = src
	switch {
	case src == "imds" || src == "env":
		h.role.Chained = src == "imds" // instance role credentials are role credentials
	case strings.HasPrefix(src, "profile:"):
		name := strings.TrimPrefix(src, "profile:")
		if err := r.sourceProfile(h, name, visited); err != nil {
			return nil, err
		}
	default:
		return nil, credproc.Errorf(credproc.KindConfig, "%s: source %q: want imds, env or profile:NAME", from, src)
	}
	if h.base != nil {
		h.role.Chained = true
	}
	if err := h.role.Validate(); err != nil {
		if l.profile != "" {
			return nil, fmt.Errorf("profile %q: %w", l.profile, err)
		}
		return nil, err
	}
	h.endpoint = r.stsEndpoint(l.keys)
	return h, nil
}

// options reads the AssumeRole options beyond the role itself: tags,
// transitive tag keys, source identity, session policies and MFA. They are
// validated with the role.
func (r *resolver) options(h *hop, l lookup) error {
	tags, from := l.getList(sTag)
	for _, t := range tags {
		tag, err := credproc.ParseTag(t)
		if err != nil {
			return fmt.Errorf("%s: %w", from, err)
		}
		h.role.Tags = append(h.role.Tags, tag)
	}
	h.role.TransitiveTagKeys, _ = l.getList(sTransitiveTag)
	h.role.SourceIdentity, _ = l.get(sSourceIdentity)
	h.role.PolicyARNs, _ = l.getList(sPolicyARN)
	if path, from := l.get(sPolicyFile); path != "" {
		doc, err := os.ReadFile(expandHome(path, r.getenv))
		if err != nil {
			return credproc.Errorf(credproc.KindConfig, "%s: %v", from, err)
		}
		policy, err := credproc.ParsePolicy(doc)
		if err != nil {
			return fmt.Errorf("%s %s: %w", from, path, err)
		}
		h.role.Policy = policy
	}
	h.role.MFASerial, _ = l.get(sMFASerial)
	token, from := l.get(sMFAToken)
	if token != "" && !credproc.ValidMFAToken(token) {
		return credproc.Errorf(credproc.KindConfig, "%s: MFA code must be 6 digits", from)
	}
	h.mfaToken = token
	h.mfaProcess, _ = l.get(sMFAProcess)
	if (token != "" || h.mfaProcess != "") && h.role.MFASerial == "" {
		return credproc.Errorf(credproc.KindConfig, "an MFA code was given but no MFA device").
			WithHint("pass --mfa-serial arn:aws:iam::ACCOUNT:mfa/NAME (profile key xrole_mfa_serial)")
	}
	return nil
}

// expandHome turns a leading ~/ into $HOME/.
func expandHome(path string, getenv func(string) string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok && getenv("HOME") != "" {
		return getenv("HOME") + "/" + rest
	}
	return path
}

// sourceProfile resolves "profile:NAME" as another xrole profile (a chain),
// static keys, or a credential_process command.
func (r *resolver) sourceProfile(h *hop, name string, visited []string) error {
	if name == "" {
		return credproc.Errorf(credproc.KindConfig, "source %q names no profile", h.source)
	}
	for _, v := range visited {
		if v == name {
			return credproc.Errorf(credproc.KindConfig, "profiles form a loop: %s -> %s", strings.Join(visited, " -> "), name)
		}
	}
	keys, inConfig := r.config.ConfigProfile(name)
	if keys["xrole_role_arn"] != "" {
		base, err := r.hop(lookup{getenv: r.getenv, keys: keys, profile: name}, append(visited, name))
		if err != nil {
			return err
		}
		h.base = base
		return nil
	}
	if r.credentials == nil {
		f, err := awsconfig.Load(r.credsPath)
		if err != nil {
			return credproc.Errorf(credproc.KindConfig, "AWS credentials file: %v", err)
		}
		r.credentials = f
	}
	creds, inCreds := r.credentials.CredentialsProfile(name)
	for _, k := range []map[string]string{creds, keys} {
		if k["aws_access_key_id"] != "" && k["aws_secret_access_key"] != "" {
			h.static = &aws.Credentials{
				AccessKeyID: k["aws_access_key_id"], SecretAccessKey: k["aws_secret_access_key"],
				SessionToken: k["aws_session_token"], Source: "profile " + name,
			}
			return nil
		}
	}
	if p := keys["credential_process"]; p != "" {
		h.process = p
		return nil
	}
	if !inConfig && !inCreds {
		return r.unknownProfile(name)
	}
	return credproc.Errorf(credproc.KindConfig, "source profile %q has no credentials xrole can use", name).
		WithHint("give it static keys, a credential_process line, or make it an xrole profile with xrole_role_arn").
		WithHint("for an SSO or role_arn profile, wrap it: credential_process = aws configure export-credentials --profile %s --format process", name)
}

// region: --region, XROLE_REGION, xrole_region, the profile's region, then
// AWS_REGION and AWS_DEFAULT_REGION. Empty means "ask instance metadata".
func (r *resolver) region(l lookup) string {
	if v, _ := l.get(sRegion); v != "" {
		return v
	}
	if v := l.keys["region"]; v != "" {
		return v
	}
	if v := r.getenv("AWS_REGION"); v != "" {
		return v
	}
	return r.getenv("AWS_DEFAULT_REGION")
}

// stsEndpoint is the STS endpoint for a profile's keys.
func (r *resolver) stsEndpoint(keys map[string]string) string { return r.endpoint(keys, "sts") }

// endpoint resolves a service's endpoint the standard way:
// AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's services
// section, the profile's endpoint_url; none of them when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. Empty means the default.
func (r *resolver) endpoint(keys map[string]string, service string) string {
	if strings.EqualFold(r.getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") ||
		strings.EqualFold(keys["ignore_configured_endpoint_urls"], "true") {
		return ""
	}
	for _, v := range []string{"AWS_ENDPOINT_URL_" + strings.ToUpper(service), "AWS_ENDPOINT_URL"} {
		if e := r.getenv(v); e != "" {
			return e
		}
	}
	if svc := keys["services"]; svc != "" {
		if s, ok := r.config.Section("services " + svc); ok {
			if e := nestedValue(s[service], "endpoint_url"); e != "" {
				return e
			}
		}
	}
	return keys["endpoint_url"]
}

// nestedValue reads key from an indented sub-section value such as
// "\n  endpoint_url = http://x".
func nestedValue(v, key string) string {
	for _, line := range strings.Split(v, "\n") {
		k, val, ok := strings.Cut(line, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.TrimSpace(val)
		}
	}
	return ""
}

// build turns a hop into a provider. It is where network calls start: the
// instance role's credentials first (so that their errors come first), then
// the instance id and region when the settings left them to metadata.
func (a *app) build(ctx context.Context, h *hop) (aws.CredentialsProvider, error) {
	base, err := a.baseProvider(ctx, h)
	if err != nil {
		return nil, err
	}
	role, shown, err := a.hopRole(ctx, h)
	if err != nil {
		return nil, err
	}
	a.debugf("assume %s: session %s, duration %v, region %s, endpoint %s", role.ARN, role.SessionName, role.Duration, role.Region, shown)
	return a.assume(h, role, shown, base), nil
}

// baseProvider provides a hop's base credentials: the hop below it, static
// keys, a credential_process command, the environment, or instance metadata
// (read now, so that its errors come first).
func (a *app) baseProvider(ctx context.Context, h *hop) (aws.CredentialsProvider, error) {
	switch {
	case h.base != nil:
		return a.build(ctx, h.base)
	case h.static != nil:
		return credproc.Static{Creds: *h.static}, nil
	case h.process != "":
		return processcreds.NewProvider(h.process, func(o *processcreds.Options) { o.Timeout = 30 * time.Second }), nil
	case h.source == "env":
		return credproc.Env{Getenv: a.env.Getenv}, nil
	}
	c, err := a.imds().Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	a.debugf("base credentials: instance role from %s, key %s, expires %s", a.imds().Endpoint.Base(), credproc.RedactKeyID(c.AccessKeyID), c.Expires.UTC().Format(time.RFC3339))
	return credproc.Static{Creds: c}, nil
}

// assume is the AssumeRole provider of a hop whose role is complete.
func (a *app) assume(h *hop, role credproc.Role, shown string, base aws.CredentialsProvider) *credproc.Assume {
	return &credproc.Assume{
		Client:    credproc.NewSTSClient(credproc.STSConfig{Region: role.Region, Endpoint: h.endpoint}),
		Base:      base,
		Role:      role,
		Endpoint:  shown,
		TokenCode: func(ctx context.Context) (string, error) { return a.mfaCode(ctx, h) },
	}
}

// hopRole completes a hop's role with what may need the network: the
// default session name and the region from instance metadata. shown names
// the STS endpoint for messages.
func (a *app) hopRole(ctx context.Context, h *hop) (credproc.Role, string, error) {
	role := h.role
	if h.defaultSession {
		role.SessionName = a.defaultSessionName(ctx, h)
	}
	if role.Region == "" {
		if !h.bottomIsIMDS() {
			return role, "", credproc.Errorf(credproc.KindConfig, "no region for STS").
				WithHint("pass --region, set AWS_REGION, or add region to the profile")
		}
		region, err := a.imds().Region(ctx)
		if err != nil {
			return role, "", err
		}
		role.Region = region
		if err := role.Validate(); err != nil {
			return role, "", fmt.Errorf("region from instance metadata: %w", err)
		}
	}
	shown := h.endpoint
	if shown == "" {
		shown = credproc.RegionalEndpointHost(role.Region)
	}
	return role, shown, nil
}

func (a *app) defaultSessionName(ctx context.Context, h *hop) string {
	var id string
	if h.bottomIsIMDS() {
		id, _ = a.imds().InstanceID(ctx) // on failure, user@host will do
	}
	host, _ := os.Hostname()
	return credproc.DefaultSessionName(id, credproc.CurrentUser(), host)
}
