package credproc

import (
	"fmt"
	"os/user"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Duration bounds that STS enforces; checked locally so that a typo fails
// before any network call.
const (
	MinDuration     = 15 * time.Minute
	MaxDuration     = 12 * time.Hour
	MaxChainedDur   = time.Hour // AWS caps role chaining at one hour
	DefaultDuration = time.Hour
)

// Role is everything about one AssumeRole call that changes the credentials.
type Role struct {
	ARN         string
	ExternalID  string
	SessionName string
	Duration    time.Duration
	Region      string
	// Chained is true when the base credentials are themselves role
	// credentials (hub then spoke): AWS then allows at most one hour.
	Chained bool

	Tags              []Tag
	TransitiveTagKeys []string
	SourceIdentity    string
	PolicyARNs        []string
	Policy            string // compact session policy JSON
	MFASerial         string
}

var (
	// The name's length (1 to 512, path included) is checked apart: a
	// counted repetition compiles to a large program at every start.
	roleARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/([\w+=,.@/-]+)$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+-\d+$`)
)

// Validate checks the role settings locally, with the rules STS applies.
func (r Role) Validate() error {
	if r.ARN == "" {
		return Errorf(KindConfig, "no role ARN given").
			WithHint("pass --role-arn arn:aws:iam::ACCOUNT:role/NAME, set XROLE_ROLE_ARN, or add xrole_role_arn to the profile")
	}
	if err := r.ValidateARN(); err != nil {
		return err
	}
	if r.ExternalID != "" && (len(r.ExternalID) < 2 || len(r.ExternalID) > 1224 || !charsIn(r.ExternalID, "+=,.@:/-")) {
		return Errorf(KindConfig, "external id must be 2 to 1224 characters of letters, digits and +=,.@:/-")
	}
	if r.SessionName != "" && !ValidSessionName(r.SessionName) {
		return Errorf(KindConfig, "session name %q must be 2 to 64 characters of letters, digits and +=,.@_-", r.SessionName)
	}
	if r.Region != "" && !regionRe.MatchString(r.Region) {
		return Errorf(KindConfig, "region %q is not a region name such as eu-west-1", r.Region)
	}
	if err := r.validateOptions(); err != nil {
		return err
	}
	max := MaxDuration
	if r.Chained {
		max = MaxChainedDur
	}
	if r.Duration < MinDuration || r.Duration > max {
		e := Errorf(KindConfig, "duration %v is outside %v..%v", r.Duration, MinDuration, max)
		if r.Chained && r.Duration > MaxChainedDur && r.Duration <= MaxDuration {
			e.WithHint("AWS caps a role assumed with role credentials (the instance role's included) at one hour")
		}
		return e
	}
	return nil
}

// ValidateARN checks the role ARN alone.
func (r Role) ValidateARN() error {
	if m := roleARNRe.FindStringSubmatch(r.ARN); m == nil || len(m[2]) > 512 {
		return Errorf(KindConfig, "role ARN %q is not of the form arn:aws:iam::123456789012:role/NAME", r.ARN)
	}
	return nil
}

// AccountID returns the account id in the role ARN.
func (r Role) AccountID() string {
	if m := roleARNRe.FindStringSubmatch(r.ARN); m != nil {
		return m[1]
	}
	return ""
}

// ParseDuration accepts a Go duration ("1h30m") or a number of seconds ("3600").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, Errorf(KindConfig, "duration %q is neither a Go duration (1h, 90m) nor a number of seconds", s)
	}
	return d, nil
}

// DefaultSessionName derives a valid session name: the instance id on EC2
// (as EC2's own role sessions do), else "user@host". Characters STS refuses
// become "-"; the result always matches [\w+=,.@-]{2,64}.
func DefaultSessionName(instanceID, username, host string) string {
	s := instanceID
	if s == "" {
		s = username + "@" + host
	}
	return SanitizeSessionName(s)
}

// SanitizeSessionName maps s onto the characters STS allows in a session name.
func SanitizeSessionName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 128 && (r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := b.String()
	if len(out) > 64 {
		out = out[:64]
	}
	for len(out) < 2 {
		out = "xrole-" + out
	}
	return out
}

// CurrentUser returns the login name, or "" when it cannot be known.
func CurrentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func (r Role) String() string {
	return fmt.Sprintf("role %s session %s duration %v", r.ARN, r.SessionName, r.Duration)
}

// KeyParts lists everything in r that changes the credentials, for a cache
// key. An empty session name stands for the derived default.
func (r Role) KeyParts() []string {
	session := r.SessionName
	if session == "" {
		session = "(default)"
	}
	region := r.Region
	if region == "" {
		region = "(imds)"
	}
	parts := []string{"arn=" + r.ARN, "external-id=" + r.ExternalID, "session=" + session,
		"duration=" + r.Duration.String(), "region=" + region,
		"source-identity=" + r.SourceIdentity, "mfa-serial=" + r.MFASerial, "policy=" + hashOf(r.Policy)}
	for _, t := range r.Tags {
		parts = append(parts, "tag="+t.Key, t.Value)
	}
	for _, k := range r.TransitiveTagKeys {
		parts = append(parts, "transitive="+k)
	}
	for _, a := range r.PolicyARNs {
		parts = append(parts, "policy-arn="+a)
	}
	return parts
}

// charsIn reports whether s holds only letters, digits, '_' and the
// characters of extra (STS's [\w...] classes, ASCII only).
func charsIn(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

// ValidSessionName reports whether s matches STS's [\w+=,.@-]{2,64}.
func ValidSessionName(s string) bool {
	return len(s) >= 2 && len(s) <= 64 && charsIn(s, "+=,.@-")
}
