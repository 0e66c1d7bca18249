package cli

import (
	"reflect"
	"strings"
	"testing"
)

func TestPermute(t *testing.T) {
	flags := (&app{}).processCommand().Flags
	tests := []struct{ in, want string }{
		{"prod", "prod"},
		{"prod --region eu-west-1", "--region eu-west-1 prod"},
		{"--region eu-west-1 prod", "--region eu-west-1 prod"},
		{"prod --region=eu-west-1 --duration 1h", "--region=eu-west-1 --duration 1h prod"},
		{"prod --external-id -starts-with-dash", "--external-id -starts-with-dash prod"},
		{"prod -- cmd --region x", "prod -- cmd --region x"},
		{"prod --region x -- cmd", "--region x prod -- cmd"},
		{"prod --unknown value", "--unknown prod value"},
		{"prod --region x --role-arn", "--region x --role-arn"}, // missing value: the parser must say so
		{"", ""},
	}
	for _, tt := range tests {
		got := strings.Join(permute(strings.Fields(tt.in), flags), " ")
		if got != tt.want {
			t.Errorf("permute(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPermuteArgsFindsTheCommand(t *testing.T) {
	a := &app{env: Env{Getenv: func(string) string { return "" }}}
	got := a.permuteArgs(a.cliApp(), strings.Fields("xrole --debug process prod --region eu-west-1"))
	want := strings.Fields("xrole --debug process --region eu-west-1 prod")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
