package credproc

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestDocument(t *testing.T) {
	exp := time.Date(2030, 5, 6, 7, 8, 9, 0, time.FixedZone("JST", 9*3600))
	c := aws.Credentials{AccessKeyID: "ASIAEXAMPLEKEY", SecretAccessKey: "s3cr3t", SessionToken: "t0ken", CanExpire: true, Expires: exp, AccountID: "222222222222"}
	d := NewDocument(c)
	want := `{"Version":1,"AccessKeyId":"ASIAEXAMPLEKEY","SecretAccessKey":"s3cr3t","SessionToken":"t0ken","Expiration":"2030-05-05T22:08:09Z","AccountId":"222222222222"}` + "\n"
	if got := string(d.JSON()); got != want {
		t.Fatalf("JSON\n got %s\nwant %s", got, want)
	}
	back, err := d.Credentials()
	if err != nil || !back.Expires.Equal(exp) || back.SecretAccessKey != "s3cr3t" || back.AccountID != "222222222222" {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, d) + fmt.Sprintf(verb, []Document{d}) + fmt.Sprintf(verb, &d)
		if strings.Contains(out, "s3cr3t") || strings.Contains(out, "t0ken") || strings.Contains(out, "EXAMPLEKEY") {
			t.Errorf("%s leaks a secret: %s", verb, out)
		}
	}
}

func TestDocumentStaticHasNoExpiration(t *testing.T) {
	d := NewDocument(aws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "x"})
	var m map[string]any
	if err := json.Unmarshal(d.JSON(), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["Expiration"]; ok {
		t.Errorf("static credentials carry an Expiration: %v", m)
	}
}
