package motoworld

import "testing"

func TestTrustAllows(t *testing.T) {
	const caller, account = "arn:aws:iam::111111111111:role/web", "111111111111"
	tests := []struct {
		name              string
		policy            Policy
		externalID        string
		explicit, allowed bool
	}{
		{"role named, id matches", TrustRole(caller, "e1"), "e1", true, true},
		{"role named, id wrong", TrustRole(caller, "e1"), "e2", false, false},
		{"role named, id missing", TrustRole(caller, "e1"), "", false, false},
		{"no id required", TrustRole(caller, ""), "", true, true},
		{"account root", TrustRole("arn:aws:iam::111111111111:root", ""), "", false, true},
		{"bare account id", TrustRole("111111111111", ""), "", false, true},
		{"other account", TrustRole("arn:aws:iam::333333333333:role/web", ""), "", false, false},
		{"service principal", TrustEC2(), "", false, false},
		{"wildcard principal", Policy{Statement: []Statement{{Effect: "Allow", Principal: "*", Action: "sts:*"}}}, "", false, true},
		{"deny effect only", Policy{Statement: []Statement{{Effect: "Deny", Principal: map[string]any{"AWS": caller}, Action: "sts:AssumeRole"}}}, "", false, false},
		{"other action", Policy{Statement: []Statement{{Effect: "Allow", Principal: map[string]any{"AWS": caller}, Action: "sts:TagSession"}}}, "", false, false},
		{"StringLike id", Policy{Statement: []Statement{{Effect: "Allow", Principal: map[string]any{"AWS": []any{caller}}, Action: []any{"sts:AssumeRole"},
			Condition: map[string]map[string]any{"StringLike": {"sts:ExternalId": "team-*"}}}}}, "team-7", true, true},
	}
	for _, tt := range tests {
		explicit, allowed := trustAllows(tt.policy, caller, account, tt.externalID)
		if explicit != tt.explicit || allowed != tt.allowed {
			t.Errorf("%s: explicit %v allowed %v, want %v %v", tt.name, explicit, allowed, tt.explicit, tt.allowed)
		}
	}
}

func TestRoleOfSession(t *testing.T) {
	role, account := roleOfSession("arn:aws:sts::111111111111:assumed-role/web/i-0abc")
	if role != "arn:aws:iam::111111111111:role/web" || account != "111111111111" {
		t.Errorf("got %q %q", role, account)
	}
}

func TestParsePolicyURLEncoded(t *testing.T) {
	p, err := parsePolicy("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D")
	if err != nil || p.Version != "2012-10-17" {
		t.Errorf("got %+v, %v", p, err)
	}
}
