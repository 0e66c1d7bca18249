package setup

import (
	"path"
	"regexp"
	"strings"
)

// TrustFinding says how a trust policy treats a caller.
type TrustFinding int

const (
	// TrustAllows: an Allow statement matches the caller and its conditions.
	TrustAllows TrustFinding = iota
	// TrustNoPrincipal: no Allow statement names the caller (its role, its
	// account, or everyone).
	TrustNoPrincipal
	// TrustExternalIDMissing: the caller is named, with an sts:ExternalId
	// condition, and the caller sends none.
	TrustExternalIDMissing
	// TrustExternalIDWrong: the caller is named, and the external id it
	// sends is not one the condition accepts.
	TrustExternalIDWrong
)

// EvaluateTrust reads a trust policy as STS would for a caller role
// (arn:aws:iam::ACCOUNT:role/NAME; a path in either ARN is ignored, since
// an assumed-role ARN has none) sending externalID. Only sts:ExternalId
// conditions are evaluated; Deny statements are not modelled.
func EvaluateTrust(trust, callerRoleARN, externalID string) (TrustFinding, error) {
	d, err := parseDocument(trust)
	if err != nil {
		return 0, err
	}
	account, name := roleParts(callerRoleARN)
	finding := TrustNoPrincipal
	for _, st := range d.statements() {
		if !allowsAssume(st) || !principalMatches(st, account, name) {
			continue
		}
		if externalIDHolds(st, externalID) {
			return TrustAllows, nil
		}
		if externalID == "" {
			finding = TrustExternalIDMissing
		} else {
			finding = TrustExternalIDWrong
		}
	}
	return finding, nil
}

func roleParts(arn string) (account, name string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return "", ""
	}
	return parts[4], path.Base(parts[5])
}

func principalMatches(st statement, account, name string) bool {
	if st.Principal == "*" {
		return true
	}
	for _, p := range principals(st, "AWS") {
		if p == "*" || p == account {
			return true
		}
		a, res := roleParts(p)
		parts := strings.SplitN(p, ":", 6)
		if a != account || len(parts) != 6 {
			continue
		}
		if parts[5] == "root" || (strings.HasPrefix(parts[5], "role/") && res == name) {
			return true
		}
	}
	return false
}

func externalIDHolds(st statement, externalID string) bool {
	for op, kv := range st.Condition {
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

// AllowsAssume reports whether an identity policy allows sts:AssumeRole
// on roleARN (Allow statements only; wildcards in Resource honoured).
func AllowsAssume(policy, roleARN string) bool {
	d, err := parseDocument(policy)
	if err != nil {
		return false
	}
	for _, st := range d.statements() {
		if !allowsAssume(st) {
			continue
		}
		for _, r := range list(st.Resource) {
			if globMatch(r, roleARN) {
				return true
			}
		}
	}
	return false
}

// globMatch matches IAM's * and ? wildcards.
func globMatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == s
	}
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	ok, _ := regexp.MatchString(re, s)
	return ok
}
