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

	stops []func()
}

// StartStage starts everything under dir; the profile NAME runs
// `xrole process NAME`. Close stops what it started, even after an error.
func StartStage(ctx context.Context, dir, name, xrole string) (s *Stage, err error) {
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
	if s.World, err = s.Moto.NewWorld(ctx, s.Guard, name); err != nil {
		return nil, err
	}
	imdsURL, closeIMDS, err := Serve(s.World.IMDS())
	if err != nil {
		return nil, err
	}
	s.IMDSURL, s.stops = imdsURL, append(s.stops, closeIMDS)

	s.Home = filepath.Join(dir, "home")
	s.Config = filepath.Join(s.Home, ".aws", "config")
	if err := os.MkdirAll(filepath.Dir(s.Config), 0o700); err != nil {
		return nil, err
	}
	s.Profile = fmt.Sprintf(`[profile %s]
credential_process = %s process %s
xrole_role_arn     = %s
xrole_external_id  = %s
region             = %s
`, name, xrole, name, s.World.TargetRoleARN, s.World.ExternalID, Region)
	if err := os.WriteFile(s.Config, []byte(s.Profile), 0o600); err != nil {
		return nil, err
	}
	return s, nil
}

// Env is the environment of a command on the stage: the throwaway home and
// config, the fakes' endpoints, no session bus; extra ("K=V") after.
func (s *Stage) Env(extra ...string) []string {
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.Home,
		"AWS_CONFIG_FILE=" + s.Config,
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(s.Home, ".aws", "credentials"),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + s.IMDSURL,
		"AWS_ENDPOINT_URL_STS=" + s.STSURL,
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
