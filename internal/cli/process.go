package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/xrole/xrole/credproc"
)

func (a *app) processCommand() *cli.Command {
	return &cli.Command{
		Name:      "process",
		Usage:     "print a credential_process document (JSON, Version 1) for the AWS CLI and SDKs",
		ArgsUsage: "[PROFILE]",
		Flags:     roleFlags(),
		Action: func(c *cli.Context) error {
			profile, err := a.profileArg(c)
			if err != nil {
				return err
			}
			doc, err := a.credentials(c, profile)
			if err != nil {
				return err
			}
			_, err = a.env.Stdout.Write(doc.JSON())
			return err
		},
	}
}

// credentials resolves the settings (no network), then serves the chain
// from the cache or runs it.
func (a *app) credentials(c *cli.Context, profile string) (credproc.Document, error) {
	creds, _, err := a.cachedCredentials(c.Context, c, profile)
	if err != nil {
		return credproc.Document{}, err
	}
	doc := credproc.NewDocument(creds)
	a.debugf("got %v", doc)
	return doc, nil
}
