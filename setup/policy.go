package setup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// PolicyVersion is the IAM policy language version of every document setup writes.
const PolicyVersion = "2012-10-17"

// Sids of the statements setup adds, so that a later run (and a reader)
// can tell them from statements people wrote.
const (
	sidAssume   = "XroleAssumeRole"
	sidTrustEC2 = "XroleTrustEC2"
)

// document is an IAM policy document. Statements stay raw JSON so that a
// merge keeps every statement setup does not touch exactly as it was,
// down to field order and fields setup does not know.
type document struct {
	Version   string            `json:"Version"`
	ID        string            `json:"Id,omitempty"`
	Statement []json.RawMessage `json:"Statement"`
}

// statement is the part of a statement setup reads and writes. Fields are
// `any` because IAM takes a string or a list for each.
type statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal any                       `json:"Principal,omitempty"`
	Action    any                       `json:"Action,omitempty"`
	Resource  any                       `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// parseDocument reads a policy document as IAM returns it: JSON, URL-encoded
// by the real service (moto answers it plain). "" is a new, empty document.
func parseDocument(s string) (*document, error) {
	if strings.TrimSpace(s) == "" {
		return &document{Version: PolicyVersion}, nil
	}
	if !strings.HasPrefix(strings.TrimSpace(s), "{") {
		if u, err := url.QueryUnescape(s); err == nil {
			s = u
		}
	}
	var raw struct {
		Version   string          `json:"Version"`
		ID        string          `json:"Id"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("policy document: %w", err)
	}
	d := &document{Version: raw.Version, ID: raw.ID}
	if d.Version == "" {
		d.Version = PolicyVersion
	}
	st := bytes.TrimSpace(raw.Statement)
	switch {
	case len(st) == 0 || string(st) == "null":
	case st[0] == '{': // a single statement, not in a list
		d.Statement = []json.RawMessage{st}
	default:
		if err := json.Unmarshal(st, &d.Statement); err != nil {
			return nil, fmt.Errorf("policy document: Statement: %w", err)
		}
	}
	return d, nil
}

// statements decodes every statement; index i of the result is Statement[i].
func (d *document) statements() []statement {
	out := make([]statement, len(d.Statement))
	for i, raw := range d.Statement {
		_ = json.Unmarshal(raw, &out[i]) // an odd statement reads as empty and matches nothing
	}
	return out
}

func (d *document) set(i int, st statement) {
	b, _ := json.Marshal(st)
	d.Statement[i] = b
}

func (d *document) add(st statement) {
	b, _ := json.Marshal(st)
	d.Statement = append(d.Statement, b)
}

// JSON renders the document indented, as setup prints and sends it.
func (d *document) JSON() string {
	b, _ := json.Marshal(d)
	var out bytes.Buffer
	_ = json.Indent(&out, b, "", "  ")
	return out.String()
}

// list returns an IAM string-or-list field as a list.
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

// one returns a single value as a string and several as a list, as IAM writes them.
func one(vs []string) any {
	if len(vs) == 1 {
		return vs[0]
	}
	return vs
}

func allowsAssume(st statement) bool {
	if st.Effect != "Allow" {
		return false
	}
	for _, a := range list(st.Action) {
		if a == "*" || strings.EqualFold(a, "sts:*") || strings.EqualFold(a, "sts:AssumeRole") {
			return true
		}
	}
	return false
}

func principals(st statement, kind string) []string {
	m, ok := st.Principal.(map[string]any)
	if !ok {
		return nil
	}
	return list(m[kind])
}

// externalIDs returns the sts:ExternalId values a StringEquals condition requires.
func externalIDs(st statement) []string {
	for k, v := range st.Condition["StringEquals"] {
		if strings.EqualFold(k, "sts:ExternalId") {
			return list(v)
		}
	}
	return nil
}

// ExistingExternalID returns the external id a trust policy already
// requires of principal, so that a re-run keeps it; "" when there is none.
func ExistingExternalID(trust, principal string) (string, error) {
	d, err := parseDocument(trust)
	if err != nil {
		return "", err
	}
	for _, st := range d.statements() {
		if allowsAssume(st) && slices.Contains(principals(st, "AWS"), principal) {
			if ids := externalIDs(st); len(ids) > 0 {
				return ids[0], nil
			}
		}
	}
	return "", nil
}

// MergeTrust returns trust with a statement allowing principal to call
// sts:AssumeRole with externalID, and whether that changed anything. Every
// other statement and principal stays: an existing statement for principal
// gains the id among its allowed values, else a new statement is added.
func MergeTrust(trust, principal, externalID string) (string, bool, error) {
	d, err := parseDocument(trust)
	if err != nil {
		return "", false, err
	}
	sts := d.statements()
	for i, st := range sts {
		if !allowsAssume(st) || !slices.Contains(principals(st, "AWS"), principal) {
			continue
		}
		ids := externalIDs(st)
		if slices.Contains(ids, externalID) {
			return d.JSON(), false, nil
		}
		if len(ids) > 0 && len(st.Condition) == 1 && len(st.Condition["StringEquals"]) == 1 {
			// Same principal, another id: allow this one too.
			st.Condition = map[string]map[string]any{"StringEquals": {"sts:ExternalId": append(ids, externalID)}}
			d.set(i, st)
			return d.JSON(), true, nil
		}
	}
	d.add(statement{
		Sid:       uniqueSid(sts, sidAssume),
		Effect:    "Allow",
		Principal: map[string]any{"AWS": principal},
		Action:    "sts:AssumeRole",
		Condition: map[string]map[string]any{"StringEquals": {"sts:ExternalId": externalID}},
	})
	return d.JSON(), true, nil
}

// MergeEC2Trust returns trust allowing ec2.amazonaws.com to assume the
// role (what an instance role needs), and whether that changed anything.
func MergeEC2Trust(trust string) (string, bool, error) {
	d, err := parseDocument(trust)
	if err != nil {
		return "", false, err
	}
	sts := d.statements()
	for _, st := range sts {
		if allowsAssume(st) && len(st.Condition) == 0 && slices.Contains(principals(st, "Service"), "ec2.amazonaws.com") {
			return d.JSON(), false, nil
		}
	}
	d.add(statement{
		Sid:       uniqueSid(sts, sidTrustEC2),
		Effect:    "Allow",
		Principal: map[string]any{"Service": "ec2.amazonaws.com"},
		Action:    "sts:AssumeRole",
	})
	return d.JSON(), true, nil
}

// MergeAssume returns an identity policy allowing sts:AssumeRole on roleARN,
// merged into policy, and whether that changed anything. The ARN joins the
// Resource list of setup's own statement; other statements stay.
func MergeAssume(policy, roleARN string) (string, bool, error) {
	d, err := parseDocument(policy)
	if err != nil {
		return "", false, err
	}
	sts := d.statements()
	for _, st := range sts {
		if allowsAssume(st) && len(st.Condition) == 0 && slices.Contains(list(st.Resource), roleARN) {
			return d.JSON(), false, nil
		}
	}
	for i, st := range sts {
		if st.Sid == sidAssume && allowsAssume(st) && len(st.Condition) == 0 {
			st.Resource = append(list(st.Resource), roleARN)
			d.set(i, st)
			return d.JSON(), true, nil
		}
	}
	d.add(statement{Sid: uniqueSid(sts, sidAssume), Effect: "Allow", Action: "sts:AssumeRole", Resource: []string{roleARN}})
	return d.JSON(), true, nil
}

// uniqueSid returns base, or base2, base3... if a statement already uses it.
func uniqueSid(sts []statement, base string) string {
	used := map[string]bool{}
	for _, st := range sts {
		used[st.Sid] = true
	}
	sid := base
	for n := 2; used[sid]; n++ {
		sid = fmt.Sprintf("%s%d", base, n)
	}
	return sid
}

// SamePolicy reports whether two policy documents say the same thing: equal
// once parsed, whatever the spacing, key order or URL encoding.
func SamePolicy(a, b string) bool {
	norm := func(s string) (any, bool) {
		if !strings.HasPrefix(strings.TrimSpace(s), "{") {
			if u, err := url.QueryUnescape(s); err == nil {
				s = u
			}
		}
		var v any
		return v, json.Unmarshal([]byte(s), &v) == nil
	}
	x, ok1 := norm(a)
	y, ok2 := norm(b)
	if !ok1 || !ok2 {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

// CheckPolicy validates a permission policy document from a file.
func CheckPolicy(doc []byte) (string, error) {
	d, err := parseDocument(string(doc))
	if err != nil {
		return "", err
	}
	if len(d.Statement) == 0 {
		return "", fmt.Errorf("policy document has no Statement")
	}
	for i, st := range d.statements() {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return "", fmt.Errorf("policy document: statement %d: Effect must be Allow or Deny", i+1)
		}
	}
	return d.JSON(), nil
}
