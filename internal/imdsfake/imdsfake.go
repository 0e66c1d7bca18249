// Package imdsfake is a strict IMDSv2 server for tests and the demo.
//
// It behaves like EC2's instance metadata service where the AWS SDKs look:
// a token PUT must carry X-aws-ec2-metadata-token-ttl-seconds and is
// answered with the same header; every GET must carry a valid token; the
// credentials document carries "Code":"Success". moto's own endpoint lacks
// the TTL header, so the Go SDK cannot use it. Fault modes reproduce what
// operators meet on real instances.
package imdsfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Mode selects a behaviour of the fake.
type Mode int

const (
	// Normal answers like a healthy instance with a role attached.
	Normal Mode = iota
	// NoRole answers like an instance without an instance profile.
	NoRole
	// Error500 answers every request with 500.
	Error500
	// Slow delays every answer by Delay.
	Slow
	// HopLimit never answers a token PUT (the response would be dropped
	// one hop short of a container), while plain GETs still get an answer.
	HopLimit
	// V1Only refuses token PUTs and serves GETs without a token.
	V1Only
)

// Creds are the role credentials the fake hands out.
type Creds struct {
	AccessKeyID, SecretAccessKey, Token string
	Expiration                          time.Time
}

// Server is an http.Handler; use it with httptest.NewServer or http.Server.
type Server struct {
	mu         sync.Mutex
	mode       Mode
	delay      time.Duration
	role       string
	instanceID string
	region     string
	account    string
	creds      Creds
	tokens     map[string]time.Time

	requests atomic.Int64
	now      func() time.Time
}

// New returns a healthy fake for the given instance and role.
func New(instanceID, region, account, role string, creds Creds) *Server {
	return &Server{
		instanceID: instanceID, region: region, account: account, role: role,
		creds: creds, tokens: map[string]time.Time{}, delay: 3 * time.Second, now: time.Now,
	}
}

// SetMode switches the behaviour; delay applies to Slow and bounds HopLimit's hang.
func (s *Server) SetMode(m Mode, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode, s.delay = m, delay
}

// SetCreds replaces the credentials handed out.
func (s *Server) SetCreds(c Creds) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds = c
}

// Requests counts every request received so far, of any kind.
func (s *Server) Requests() int64 { return s.requests.Load() }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	mode, delay := s.mode, s.delay
	s.mu.Unlock()

	switch mode {
	case Error500:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case Slow:
		if !sleep(r, delay) {
			return
		}
	case HopLimit:
		if r.Method == http.MethodPut {
			sleep(r, delay) // the answer never reaches the caller
			return
		}
	}

	if r.URL.Path == "/latest/api/token" {
		s.token(w, r, mode)
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "", http.StatusMethodNotAllowed)
		return
	}
	if mode != V1Only && !s.validToken(r.Header.Get("X-aws-ec2-metadata-token")) {
		http.Error(w, "", http.StatusUnauthorized)
		return
	}
	s.metadata(w, r, mode)
}

func sleep(r *http.Request, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-r.Context().Done():
		return false
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, mode Mode) {
	if mode == V1Only {
		http.Error(w, "", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodPut {
		http.Error(w, "", http.StatusMethodNotAllowed)
		return
	}
	// Real IMDS refuses token requests that went through a proxy.
	if r.Header.Get("X-Forwarded-For") != "" {
		http.Error(w, "", http.StatusForbidden)
		return
	}
	ttl, err := strconv.Atoi(r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds"))
	if err != nil || ttl < 1 || ttl > 21600 {
		http.Error(w, "", http.StatusBadRequest)
		return
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = s.now().Add(time.Duration(ttl) * time.Second)
	s.mu.Unlock()
	w.Header().Set("X-aws-ec2-metadata-token-ttl-seconds", strconv.Itoa(ttl))
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(tok))
}

func (s *Server) validToken(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	return ok && s.now().Before(exp)
}

func (s *Server) metadata(w http.ResponseWriter, r *http.Request, mode Mode) {
	s.mu.Lock()
	role, creds := s.role, s.creds
	s.mu.Unlock()
	const credPrefix = "/latest/meta-data/iam/security-credentials/"
	switch p := r.URL.Path; {
	case p == "/latest/meta-data/instance-id":
		text(w, s.instanceID)
	case p == "/latest/meta-data/placement/region":
		text(w, s.region)
	case p == "/latest/dynamic/instance-identity/document":
		writeJSON(w, map[string]string{
			"accountId": s.account, "instanceId": s.instanceID, "region": s.region,
		})
	case p == credPrefix || p == strings.TrimSuffix(credPrefix, "/"):
		if mode == NoRole {
			http.NotFound(w, r)
			return
		}
		text(w, role)
	case strings.HasPrefix(p, credPrefix):
		if mode == NoRole || strings.TrimPrefix(p, credPrefix) != role {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, map[string]string{
			"Code":            "Success",
			"LastUpdated":     s.now().UTC().Format(time.RFC3339),
			"Type":            "AWS-HMAC",
			"AccessKeyId":     creds.AccessKeyID,
			"SecretAccessKey": creds.SecretAccessKey,
			"Token":           creds.Token,
			"Expiration":      creds.Expiration.UTC().Format(time.RFC3339),
		})
	default:
		http.NotFound(w, r)
	}
}

func text(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(s))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "text/plain") // as EC2 sends it
	_ = json.NewEncoder(w).Encode(v)
}
