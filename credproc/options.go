package credproc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tag is one session tag.
type Tag struct{ Key, Value string }

// Limits STS applies to AssumeRole's options, checked locally.
const (
	MaxTags          = 50
	MaxTagKeyLen     = 128
	MaxTagValueLen   = 256
	MaxPolicyARNs    = 10
	MaxPolicyLen     = 2048 // plaintext session policy, whitespace outside strings removed
	MinSourceIDLen   = 2
	MaxSourceIDLen   = 64
	mfaTokenLen      = 6
	maxMFASerialLen  = 256
	minMFASerialLen  = 9
	tagExtraChars    = "_.:/=+-@"
	serialExtraChars = "+=/:,.@-"
)

var policyARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[\w+=,.@/-]+$`)

// ParseTag reads KEY=VALUE.
func ParseTag(s string) (Tag, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return Tag{}, Errorf(KindConfig, "tag %q: want KEY=VALUE", s)
	}
	return Tag{Key: k, Value: v}, nil
}

// tagChars: letters, digits, spaces and _.:/=+-@, as IAM allows in tags.
func tagChars(s string) bool {
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune(tagExtraChars, r)) {
			return false
		}
	}
	return true
}

// validateOptions checks the tags, transitive keys, policies, source
// identity and MFA serial of r.
func (r Role) validateOptions() error {
	if len(r.Tags) > MaxTags {
		return Errorf(KindConfig, "%d session tags: STS allows at most %d", len(r.Tags), MaxTags)
	}
	seen := map[string]bool{}
	for _, t := range r.Tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > MaxTagKeyLen || !tagChars(t.Key) || strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return Errorf(KindConfig, "tag key %q: want 1 to %d letters, digits, spaces or %s, not starting with aws:", t.Key, MaxTagKeyLen, tagExtraChars)
		}
		if n := utf8.RuneCountInString(t.Value); n > MaxTagValueLen || !tagChars(t.Value) {
			return Errorf(KindConfig, "tag %q: value must be at most %d letters, digits, spaces or %s", t.Key, MaxTagValueLen, tagExtraChars)
		}
		lk := strings.ToLower(t.Key)
		if seen[lk] {
			return Errorf(KindConfig, "tag key %q given twice (tag keys are case-insensitive)", t.Key)
		}
		seen[lk] = true
	}
	for _, k := range r.TransitiveTagKeys {
		if !seen[strings.ToLower(k)] {
			return Errorf(KindConfig, "transitive tag %q is not one of the session tags", k).
				WithHint("add --tag %s=VALUE, or drop --transitive-tag %s", k, k)
		}
	}
	if r.SourceIdentity != "" {
		s := r.SourceIdentity
		if len(s) < MinSourceIDLen || len(s) > MaxSourceIDLen || !charsIn(s, "+=,.@-") || strings.HasPrefix(strings.ToLower(s), "aws:") {
			return Errorf(KindConfig, "source identity %q must be 2 to 64 characters of letters, digits and +=,.@_-, not starting with aws:", s)
		}
	}
	if len(r.PolicyARNs) > MaxPolicyARNs {
		return Errorf(KindConfig, "%d session policy ARNs: STS allows at most %d", len(r.PolicyARNs), MaxPolicyARNs)
	}
	for _, a := range r.PolicyARNs {
		if !policyARNRe.MatchString(a) {
			return Errorf(KindConfig, "policy ARN %q is not of the form arn:aws:iam::123456789012:policy/NAME", a)
		}
	}
	if r.MFASerial != "" {
		s := r.MFASerial
		if len(s) < minMFASerialLen || len(s) > maxMFASerialLen || !charsIn(s, serialExtraChars) {
			return Errorf(KindConfig, "MFA serial %q: want the MFA device's ARN (arn:aws:iam::123456789012:mfa/NAME) or serial number", s)
		}
	}
	return nil
}

// ParsePolicy checks a session policy document: JSON, an object, at most
// MaxPolicyLen characters once the whitespace outside strings is removed.
// It returns the compact form that is sent.
func ParsePolicy(doc []byte) (string, error) {
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		return "", Errorf(KindConfig, "session policy is not a JSON object: %v", err)
	}
	if _, ok := v["Statement"]; !ok {
		return "", Errorf(KindConfig, "session policy has no Statement")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, doc); err != nil {
		return "", Errorf(KindConfig, "session policy: %v", err)
	}
	if b.Len() > MaxPolicyLen {
		return "", Errorf(KindConfig, "session policy is %d characters without whitespace; STS allows %d", b.Len(), MaxPolicyLen).
			WithHint("use managed policies with --policy-arn instead, or shorten the document")
	}
	return b.String(), nil
}

// ValidMFAToken reports whether s is a six-digit code.
func ValidMFAToken(s string) bool {
	if len(s) != mfaTokenLen {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func hashOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// ValidPolicyARN reports whether s is a managed policy ARN.
func ValidPolicyARN(s string) bool { return policyARNRe.MatchString(s) }

// ValidExternalID reports whether STS accepts s as an external id.
func ValidExternalID(s string) bool {
	return len(s) >= 2 && len(s) <= 1224 && charsIn(s, "+=,.@:/-")
}

// ValidRegion reports whether s looks like a region name (eu-west-1).
func ValidRegion(s string) bool { return regionRe.MatchString(s) }

// ValidIAMName reports whether s is a valid IAM role or instance profile
// name of at most max characters: letters, digits and +=,.@_-.
func ValidIAMName(s string, max int) bool {
	return len(s) >= 1 && len(s) <= max && charsIn(s, "+=,.@_-")
}
