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

// credentials resolves the settings (no network), then runs the chain.
func (a *app) credentials(c *cli.Context, profile string) (credproc.Document, error) {
	r, err := newResolver(a.env.Getenv)
	if err != nil {
		return credproc.Document{}, err
	}
	h, err := r.top(c, profile)
	if err != nil {
		return credproc.Document{}, err
	}
	p, err := a.build(c.Context, h)
	if err != nil {
		return credproc.Document{}, err
	}
	creds, err := p.Retrieve(c.Context)
	if err != nil {
		return credproc.Document{}, err
	}
	doc := credproc.NewDocument(creds)
	a.debugf("got %v", doc)
	return doc, nil
}
