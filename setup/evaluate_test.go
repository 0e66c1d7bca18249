package setup

import "testing"

func TestEvaluateTrust(t *testing.T) {
	ours, _, _ := MergeTrust(handWritten, sourceARN, "right")
	like := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"sts:ExternalId":"team-*"}}}]}`
	for _, c := range []struct {
		trust, caller, ext string
		want               TrustFinding
	}{
		{ours, sourceARN, "right", TrustAllows},
		{ours, "arn:aws:iam::111111111111:role/some/path/web", "right", TrustAllows},
		{ours, sourceARN, "wrong", TrustExternalIDWrong},
		{ours, sourceARN, "", TrustExternalIDMissing},
		{ours, "arn:aws:iam::111111111111:role/other", "right", TrustNoPrincipal},
		{ours, "arn:aws:iam::444444444444:role/anything", "", TrustAllows}, // "Ops" trusts account 444's root
		{like, "arn:aws:iam::111111111111:role/x", "team-a", TrustAllows},
		{like, "arn:aws:iam::111111111111:role/x", "other", TrustExternalIDWrong},
	} {
		got, err := EvaluateTrust(c.trust, c.caller, c.ext)
		if err != nil || got != c.want {
			t.Errorf("EvaluateTrust(%s, %q) = %v, %v; want %v", c.caller, c.ext, got, err, c.want)
		}
	}
}

func TestAllowsAssume(t *testing.T) {
	doc, _, _ := MergeAssume("", targetARN)
	if !AllowsAssume(doc, targetARN) || AllowsAssume(doc, otherARN) {
		t.Error("exact resource")
	}
	wild := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"arn:aws:iam::222222222222:role/*"}]}`
	if !AllowsAssume(wild, targetARN) || AllowsAssume(wild, otherARN) {
		t.Error("wildcard resource")
	}
}
