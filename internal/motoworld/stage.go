package motoworld

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Stage is a world on loopback for programs (the demo, the benchmark):
// moto_server, the guard in front of it, a two-account world, the IMDSv2
// fake, and a throwaway home whose AWS config holds one xrole profile.
type Stage struct {
	Moto    *Moto
	Guard   *Guard
	World   *World
	STSURL  string
	IMDSURL string
	Home    string
	Config  string // path of the AWS config file
	Profile string // its text
	Bare    *Bare  // set by StartBareStage

	stops []func()
}

// StartStage starts everything under dir; the profile NAME runs
// `xrole process NAME`. Close stops what it started, even after an error.
func StartStage(ctx context.Context, dir, name, xrole string) (*Stage, error) {
	return start(ctx, dir, func(s *Stage) error {
		var err error
		if s.World, err = s.Moto.NewWorld(ctx, s.Guard, name); err != nil {
			return err
		}
		s.Profile = fmt.Sprintf(`[profile %s]
credential_process = %s process %s
xrole_role_arn     = %s
xrole_external_id  = %s
region             = %s
`, name, xrole, name, s.World.TargetRoleARN, s.World.ExternalID, Region)
		return nil
	})
}

// StartBareStage is StartStage on a world before xrole setup (see
// NewBareWorld): the AWS config holds only a default region, and the
// credentials file the administrators' profiles source-admin and
// target-admin.
func StartBareStage(ctx context.Context, dir, name string) (*Stage, error) {
	return start(ctx, dir, func(s *Stage) error {
		b, err := s.Moto.NewBareWorld(ctx, s.Guard, name)
		if err != nil {
			return err
		}
		s.World, s.Bare = &b.World, b
		s.Profile = "# the AWS config file before xrole setup\n[default]\nregion = " + Region + "\n"
		return os.WriteFile(s.Credentials(), []byte(b.AdminCredentials("source-admin", "target-admin")), 0o600)
	})
}

func start(ctx context.Context, dir string, world func(*Stage) error) (s *Stage, err error) {
	s = &Stage{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.Moto, err = Start(ctx, filepath.Join(dir, "moto.log")); err != nil {
		return nil, err
	}
	s.stops = append(s.stops, s.Moto.Stop)
	s.Guard = NewGuard(s.Moto)
	stsURL, closeSTS, err := Serve(s.Guard)
	if err != nil {
		return nil, err
	}
	s.STSURL, s.stops = stsURL, append(s.stops, closeSTS)
	s.Home = filepath.Join(dir, "home")
	s.Config = filepath.Join(s.Home, ".aws", "config")
	if err := os.MkdirAll(filepath.Dir(s.Config), 0o700); err != nil {
		return nil, err
	}
	if err := world(s); err != nil {
		return nil, err
	}
	imdsURL, closeIMDS, err := Serve(s.World.IMDS())
	if err != nil {
		return nil, err
	}
	s.IMDSURL, s.stops = imdsURL, append(s.stops, closeIMDS)
	if err := os.WriteFile(s.Config, []byte(s.Profile), 0o600); err != nil {
		return nil, err
	}
	return s, nil
}

// Credentials is the path of the stage's AWS credentials file.
func (s *Stage) Credentials() string { return filepath.Join(s.Home, ".aws", "credentials") }

// Env is the environment of a command on the stage: the throwaway home and
// config, the fakes' endpoints, no session bus; extra ("K=V") after.
func (s *Stage) Env(extra ...string) []string {
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.Home,
		"AWS_CONFIG_FILE=" + s.Config,
		"AWS_SHARED_CREDENTIALS_FILE=" + s.Credentials(),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + s.IMDSURL,
		"AWS_ENDPOINT_URL_STS=" + s.STSURL,
		"AWS_ENDPOINT_URL_IAM=" + s.STSURL,
		"AWS_ENDPOINT_URL_EC2=" + s.STSURL,
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent",
	}, extra...)
}

// Close stops the fakes and moto, last started first.
func (s *Stage) Close() {
	for _, stop := range slices.Backward(s.stops) {
		stop()
	}
	s.stops = nil
}
