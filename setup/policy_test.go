package setup

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	sourceARN = "arn:aws:iam::111111111111:role/web"
	targetARN = "arn:aws:iam::222222222222:role/deploy"
	otherARN  = "arn:aws:iam::333333333333:role/deploy"
)

// Someone's trust policy: an Id, a statement with fields in their own
// order and a condition setup does not know, and a federated principal.
const handWritten = `{"Version":"2012-10-17","Id":"keep-me","Statement":[
 {"Action":"sts:AssumeRoleWithSAML","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::222222222222:saml-provider/corp"},
  "Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}},
 {"Sid":"Ops","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444444444444:root"]},"Action":"sts:AssumeRole"}]}`

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./setup -update)", err)
	}
	if got+"\n" != string(want) {
		t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
	var v any
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Errorf("%s is not JSON: %v", name, err)
	}
}

// mustMerge runs a merge, wants it to change, and wants a second merge of
// its result to change nothing.
func mustMerge(t *testing.T, merge func(string) (string, bool, error), in string) string {
	t.Helper()
	out, changed, err := merge(in)
	if err != nil || !changed {
		t.Fatalf("merge: changed=%v err=%v", changed, err)
	}
	again, changed, err := merge(out)
	if err != nil || changed || again != out {
		t.Fatalf("second merge: changed=%v err=%v\n%s", changed, err, again)
	}
	return out
}

func TestPolicyGolden(t *testing.T) {
	trust := func(ext string) func(string) (string, bool, error) {
		return func(s string) (string, bool, error) { return MergeTrust(s, sourceARN, ext) }
	}
	assume := func(arn string) func(string) (string, bool, error) {
		return func(s string) (string, bool, error) { return MergeAssume(s, arn) }
	}
	newTrust := mustMerge(t, trust("0123456789abcdef0123456789abcdef"), "")
	cases := map[string]string{
		"trust-new.json":        newTrust,
		"trust-merged.json":     mustMerge(t, trust("0123456789abcdef0123456789abcdef"), handWritten),
		"trust-second-id.json":  mustMerge(t, trust("second-id"), newTrust),
		"trust-ec2-new.json":    mustMerge(t, MergeEC2Trust, ""),
		"trust-ec2-merged.json": mustMerge(t, MergeEC2Trust, handWritten),
		"assume-new.json":       mustMerge(t, assume(targetARN), ""),
		"assume-merged.json":    mustMerge(t, assume(otherARN), mustMerge(t, assume(targetARN), "")),
	}
	for name, doc := range cases {
		golden(t, name, doc)
	}
	// The hand-written statements survive byte for byte (compacted).
	merged := cases["trust-merged.json"]
	for _, keep := range []string{`"Id": "keep-me"`, `"Action": "sts:AssumeRoleWithSAML"`, `"SAML:aud"`, `"Sid": "Ops"`, `"arn:aws:iam::444444444444:root"`} {
		if !strings.Contains(merged, keep) {
			t.Errorf("merged trust policy lost %s:\n%s", keep, merged)
		}
	}
}

func TestExistingExternalIDIsKept(t *testing.T) {
	doc, _, _ := MergeTrust(handWritten, sourceARN, "abc123")
	if got, _ := ExistingExternalID(doc, sourceARN); got != "abc123" {
		t.Errorf("ExistingExternalID = %q", got)
	}
	if got, _ := ExistingExternalID(doc, otherARN); got != "" {
		t.Errorf("ExistingExternalID for another principal = %q", got)
	}
}

func TestMergeTrustAcceptsURLEncodedAndSingleStatement(t *testing.T) {
	// IAM returns documents URL-encoded, and a Statement may be one object.
	enc := "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22" +
		strings.ReplaceAll(sourceARN, ":", "%3A") + "%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Condition%22%3A%7B%22StringEquals%22%3A%7B%22sts%3AExternalId%22%3A%22x1%22%7D%7D%7D%7D"
	if _, changed, err := MergeTrust(enc, sourceARN, "x1"); err != nil || changed {
		t.Errorf("changed=%v err=%v", changed, err)
	}
	if _, _, err := MergeTrust("{not json", sourceARN, "x1"); err == nil {
		t.Error("a broken document merged without error")
	}
}

func TestSamePolicy(t *testing.T) {
	a := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	b := "{\n \"Statement\": [ {\"Resource\":\"*\", \"Action\":\"s3:GetObject\", \"Effect\":\"Allow\"}],\n \"Version\": \"2012-10-17\"}"
	if !SamePolicy(a, b) {
		t.Error("equal policies compare different")
	}
	if SamePolicy(a, strings.Replace(a, "GetObject", "PutObject", 1)) {
		t.Error("different policies compare equal")
	}
}

func TestCheckPolicy(t *testing.T) {
	for _, bad := range []string{"", "[]", `{"Version":"2012-10-17"}`, `{"Statement":[{"Effect":"Maybe"}]}`} {
		if _, err := CheckPolicy([]byte(bad)); err == nil {
			t.Errorf("CheckPolicy(%q) accepted", bad)
		}
	}
	if _, err := CheckPolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)); err != nil {
		t.Error(err)
	}
}
