package motoworld

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// Fault makes the guard answer every STS call with a failure.
type Fault int

const (
	NoFault     Fault = iota
	Throttle          // 400 Throttling, as STS answers past its rate limit
	Unavailable       // 503 ServiceUnavailable
)

// Guard is an STS endpoint in front of moto. moto assumes any role for
// anyone; Guard first checks, as AWS does, that the target role's trust
// policy allows the caller (principal and sts:ExternalId) and that the
// caller's identity policies allow sts:AssumeRole on the role. Allowed
// calls, and every other action, go to moto unchanged.
type Guard struct {
	moto  *Moto
	proxy *httputil.ReverseProxy

	mu      sync.Mutex
	callers map[string]string // access key id -> assumed-role ARN
	fault   Fault
	assumes []url.Values  // every AssumeRole request received
	reached int           // AssumeRole calls forwarded to moto
	hold    chan struct{} // while non-nil, AssumeRole calls wait for it to close
	denied  map[string]bool
	skew    time.Duration
}

// Deny makes the guard refuse every call of action (such as "CreateRole")
// with AccessDenied, as AWS does when the caller's policies lack it.
func (g *Guard) Deny(action string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.denied == nil {
		g.denied = map[string]bool{}
	}
	g.denied[action] = true
}

// SetClockSkew makes the Date header of every answer run d ahead of this
// machine's clock, as a client with a clock d behind would see it.
func (g *Guard) SetClockSkew(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.skew = d
}

func (g *Guard) date() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return time.Now().Add(g.skew).UTC().Format(http.TimeFormat)
}

// Hold makes AssumeRole calls wait (as a slow STS would) until release is
// called or the caller goes away.
func (g *Guard) Hold() (release func()) {
	ch := make(chan struct{})
	g.mu.Lock()
	g.hold = ch
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			if g.hold == ch {
				g.hold = nil
			}
			g.mu.Unlock()
			close(ch)
		})
	}
}

// NewGuard returns a guard in front of m; serve it with httptest.NewServer.
func NewGuard(m *Moto) *Guard {
	target, _ := url.Parse(m.URL)
	g := &Guard{moto: m, callers: map[string]string{}}
	g.proxy = httputil.NewSingleHostReverseProxy(target)
	g.proxy.ModifyResponse = g.learn
	return g
}

// Register tells the guard who owns an access key (sessions made outside it).
func (g *Guard) Register(accessKeyID, arn string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.callers[accessKeyID] = arn
}

// SetFault switches failure injection.
func (g *Guard) SetFault(f Fault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fault = f
}

// AssumeRequests returns the AssumeRole requests received so far.
func (g *Guard) AssumeRequests() []url.Values {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]url.Values(nil), g.assumes...)
}

// AssumeCalls returns how many AssumeRole calls reached moto.
func (g *Guard) AssumeCalls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.reached
}

var credentialRe = regexp.MustCompile(`Credential=([A-Z0-9]+)/`)

func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	for k, v := range r.URL.Query() {
		form[k] = v
	}
	w.Header().Set("Date", g.date())
	g.mu.Lock()
	fault, hold, denied := g.fault, g.hold, g.denied[form.Get("Action")]
	if form.Get("Action") == "AssumeRole" {
		g.assumes = append(g.assumes, form)
	} else {
		hold = nil
	}
	g.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}

	if denied {
		msg := fmt.Sprintf("User: %s is not authorized to perform: %s", g.callerOf(r), form.Get("Action"))
		if form.Get("Version") == "2016-11-15" { // EC2 answers in its own format
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>%s</Message></Error></Errors><RequestID>59dbff89-35bd-4eac-99ed-be587EXAMPLE</RequestID></Response>`, xmlEscape(msg))
			return
		}
		stsError(w, http.StatusForbidden, "Sender", "AccessDenied", msg)
		return
	}
	switch fault {
	case Throttle:
		stsError(w, http.StatusBadRequest, "Sender", "Throttling", "Rate exceeded")
		return
	case Unavailable:
		stsError(w, http.StatusServiceUnavailable, "Receiver", "ServiceUnavailable", "Service is unavailable")
		return
	}
	if form.Get("Action") == "AssumeRole" {
		if g.tooLong(r.Context(), form) {
			stsError(w, http.StatusBadRequest, "Sender", "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
			return
		}
		if msg := g.deny(r.Context(), r, form); msg != "" {
			stsError(w, http.StatusForbidden, "Sender", "AccessDenied", msg)
			return
		}
		g.mu.Lock()
		g.reached++
		g.mu.Unlock()
	}
	g.proxy.ServeHTTP(w, r)
}

func stsError(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>`,
		typ, code, xmlEscape(msg))
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (g *Guard) callerOf(r *http.Request) string {
	if m := credentialRe.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		g.mu.Lock()
		defer g.mu.Unlock()
		if c := g.callers[m[1]]; c != "" {
			return c
		}
		return "the owner of " + m[1]
	}
	return "anonymous"
}

// deny returns AWS's denial message, or "" when the call is allowed.
func (g *Guard) deny(ctx context.Context, r *http.Request, form url.Values) string {
	roleARN := form.Get("RoleArn")
	var akid string
	if m := credentialRe.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		akid = m[1]
	}
	g.mu.Lock()
	caller := g.callers[akid]
	g.mu.Unlock()
	denied := fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller, roleARN)
	if caller == "" {
		return fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", "arn:aws:iam::unknown:user/unknown", roleARN)
	}
	callerRole, callerAccount := roleOfSession(caller)
	account, role := splitRoleARN(roleARN)
	if account == "" {
		return denied
	}
	trust, err := g.trustPolicy(ctx, account, role)
	if err != nil {
		return denied
	}
	explicit, allowed := trustAllows(trust, callerRole, callerAccount, form.Get("ExternalId"))
	if !allowed {
		return denied
	}
	if explicit && account == callerAccount {
		return "" // a trust policy naming the role suffices within one account
	}
	if !g.identityAllows(ctx, callerAccount, path.Base(callerRole), roleARN) {
		return denied + " because no identity-based policy allows the sts:AssumeRole action"
	}
	return ""
}

// tooLong reports whether DurationSeconds exceeds the role's
// MaxSessionDuration, which STS refuses before looking at trust.
func (g *Guard) tooLong(ctx context.Context, form url.Values) bool {
	account, role := splitRoleARN(form.Get("RoleArn"))
	secs, err := strconv.Atoi(form.Get("DurationSeconds"))
	if account == "" || err != nil {
		return false
	}
	out, err := g.moto.IAM(account).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
	if err != nil || out.Role.MaxSessionDuration == nil {
		return false
	}
	return int32(secs) > *out.Role.MaxSessionDuration
}

// roleOfSession turns arn:aws:sts::A:assumed-role/NAME/SESSION into the role
// ARN and account.
func roleOfSession(arn string) (roleARN, account string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return "", ""
	}
	res := strings.Split(parts[5], "/")
	if len(res) < 3 || res[0] != "assumed-role" {
		return arn, parts[4]
	}
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", parts[4], res[1]), parts[4]
}

func splitRoleARN(arn string) (account, name string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") {
		return "", ""
	}
	return parts[4], path.Base(parts[5])
}

func (g *Guard) trustPolicy(ctx context.Context, account, role string) (Policy, error) {
	out, err := g.moto.IAM(account).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
	if err != nil {
		return Policy{}, err
	}
	return parsePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument))
}

func parsePolicy(doc string) (Policy, error) {
	if strings.HasPrefix(doc, "%") {
		if d, err := url.QueryUnescape(doc); err == nil {
			doc = d
		}
	}
	var p Policy
	err := json.Unmarshal([]byte(doc), &p)
	return p, err
}

// strings returns a policy field (string or list) as a list.
func list(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return v
	}
	return nil
}

func globMatch(pattern, s string) bool {
	re := "^" + strings.ReplaceAll(strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*"), `\?`, ".") + "$"
	ok, _ := regexp.MatchString("(?i)"+re, s)
	return ok
}

func actionAllows(v any) bool {
	for _, a := range list(v) {
		if globMatch(a, "sts:AssumeRole") {
			return true
		}
	}
	return false
}

// trustAllows evaluates a trust policy's Allow statements for the caller.
// explicit is true when a statement names the role itself.
func trustAllows(p Policy, callerRole, callerAccount, externalID string) (explicit, allowed bool) {
	for _, st := range p.Statement {
		if st.Effect != "Allow" || !actionAllows(st.Action) {
			continue
		}
		matched, named := st.Principal == "*", false
		principals, _ := st.Principal.(map[string]any)
		for _, pr := range list(principals["AWS"]) {
			switch pr {
			case callerRole:
				matched, named = true, true
			case "*", callerAccount, "arn:aws:iam::" + callerAccount + ":root":
				matched = true
			}
		}
		if !matched || !conditionHolds(st.Condition, externalID) {
			continue
		}
		allowed = true
		explicit = explicit || named
	}
	return explicit, allowed
}

// conditionHolds evaluates the sts:ExternalId conditions; other condition
// keys are outside what the guard models and count as satisfied.
func conditionHolds(cond map[string]map[string]any, externalID string) bool {
	for op, kv := range cond {
		for k, v := range kv {
			if !strings.EqualFold(k, "sts:ExternalId") {
				continue
			}
			ok := false
			for _, want := range list(v) {
				switch op {
				case "StringEquals":
					ok = ok || externalID == want
				case "StringLike":
					ok = ok || globMatch(want, externalID)
				}
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// identityAllows checks the caller role's inline and attached policies for
// sts:AssumeRole on roleARN.
func (g *Guard) identityAllows(ctx context.Context, account, role, roleARN string) bool {
	c := g.moto.IAM(account)
	var docs []string
	if names, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(role)}); err == nil {
		for _, n := range names.PolicyNames {
			if p, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(n)}); err == nil {
				docs = append(docs, aws.ToString(p.PolicyDocument))
			}
		}
	}
	if att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)}); err == nil {
		for _, ap := range att.AttachedPolicies {
			pol, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: ap.PolicyArn})
			if err != nil {
				continue
			}
			v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: ap.PolicyArn, VersionId: pol.Policy.DefaultVersionId})
			if err == nil {
				docs = append(docs, aws.ToString(v.PolicyVersion.Document))
			}
		}
	}
	for _, d := range docs {
		p, err := parsePolicy(d)
		if err != nil {
			continue
		}
		for _, st := range p.Statement {
			if st.Effect != "Allow" || !actionAllows(st.Action) {
				continue
			}
			for _, res := range list(st.Resource) {
				if globMatch(res, roleARN) {
					return true
				}
			}
		}
	}
	return false
}

// learn records who owns the credentials an allowed AssumeRole returned.
func (g *Guard) learn(resp *http.Response) error {
	resp.Header.Set("Date", g.date())
	if resp.StatusCode != http.StatusOK || resp.Request == nil {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var out struct {
		Result struct {
			Credentials struct {
				AccessKeyID string `xml:"AccessKeyId"`
			} `xml:"Credentials"`
			User struct{ Arn string } `xml:"AssumedRoleUser"`
		} `xml:"AssumeRoleResult"`
	}
	if xml.Unmarshal(body, &out) == nil && out.Result.Credentials.AccessKeyID != "" {
		g.Register(out.Result.Credentials.AccessKeyID, out.Result.User.Arn)
	}
	return nil
}
