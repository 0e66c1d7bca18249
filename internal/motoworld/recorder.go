package motoworld

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Request is one request moto received, from its own recorder
// (MOTO_ENABLE_RECORDING).
type Request struct {
	Method string
	URL    string
	Form   url.Values // the query and the form-encoded body
	// AccessKeyID signed the request ("" when unsigned).
	AccessKeyID string
}

// Write reports whether the request changes something: any action but
// the reads (Get*, List*, Describe*) and STS's identity and AssumeRole.
func (r Request) Write() bool {
	a := r.Form.Get("Action")
	for _, read := range []string{"Get", "List", "Describe"} {
		if strings.HasPrefix(a, read) {
			return false
		}
	}
	return a != "" && a != "AssumeRole"
}

// Recorded returns every request moto has received since it started.
func (m *Moto) Recorded(ctx context.Context) ([]Request, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.URL+"/moto-api/recorder/download-recording", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("moto recorder: HTTP %d", resp.StatusCode)
	}
	var out []Request
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e struct {
			Method      string            `json:"method"`
			URL         string            `json:"url"`
			Body        string            `json:"body"`
			Headers     map[string]string `json:"headers"`
			BodyEncoded bool              `json:"body_encoded"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("moto recorder: %w", err)
		}
		body := e.Body
		if e.BodyEncoded {
			b, err := base64.StdEncoding.DecodeString(e.Body)
			if err != nil {
				return nil, fmt.Errorf("moto recorder: %w", err)
			}
			body = string(b)
		}
		form, _ := url.ParseQuery(body)
		if u, err := url.Parse(e.URL); err == nil {
			for k, v := range u.Query() {
				form[k] = v
			}
		}
		req := Request{Method: e.Method, URL: e.URL, Form: form}
		if m := credentialRe.FindStringSubmatch(e.Headers["Authorization"]); m != nil {
			req.AccessKeyID = m[1]
		}
		out = append(out, req)
	}
	return out, sc.Err()
}

// AssumeRoleCalls counts the sts:AssumeRole calls moto received for roleARN.
func (m *Moto) AssumeRoleCalls(ctx context.Context, roleARN string) (int, error) {
	reqs, err := m.Recorded(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range reqs {
		if r.Form.Get("Action") == "AssumeRole" && strings.EqualFold(r.Form.Get("RoleArn"), roleARN) {
			n++
		}
	}
	return n, nil
}
