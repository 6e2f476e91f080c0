package main

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"finhealth"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

// simulatedWavePrefix is where the simulated Wave is served, beside the app.
const simulatedWavePrefix = "/simulated-wave"

// simulatedClientID names the OAuth application the simulated Wave registers; it is
// not a secret and never works against the real Wave.
const simulatedClientID = "finhealth-simulated-wave"

// newWave builds the Wave gateway: the real Wave when WAVE_CLIENT_ID is set, the
// simulated one (also returned as a handler to mount) in development without it, or
// nil when Wave is not configured.
func newWave(cfg *Config, logger *slog.Logger, metrics prometheus.Registerer) (finhealth.WaveGateway, http.Handler, error) {
	wcfg := wave.DefaultConfig()
	wcfg.RedirectURI = cfg.WaveRedirectURI
	wcfg.OmitOfflineAccess = !cfg.WaveOfflineAccess
	wcfg.Logger = logger
	wcfg.Metrics = metrics
	var sim http.Handler
	switch {
	case cfg.WaveClientID != "":
		wcfg.ClientID, wcfg.ClientSecret = cfg.WaveClientID, cfg.WaveSecret
		if cfg.WaveOAuthBase != "" {
			wcfg.SetOAuthBase(cfg.WaveOAuthBase)
		}
		if cfg.WaveGraphQLURL != "" {
			wcfg.GraphQLURL = cfg.WaveGraphQLURL
		}
	case cfg.SimulatedWave:
		// The secret only guards this process's own fake; a fresh one each start
		// keeps it out of every config file.
		secret := randomSecret()
		fake := wavetest.New(wavetest.Options{
			ClientID: simulatedClientID, ClientSecret: secret,
			RedirectURIs: []string{cfg.WaveRedirectURI},
			ConsentPage:  true,
		})
		sim = http.StripPrefix(simulatedWavePrefix, fake.Handler())
		ends := wavetest.EndpointsAt(cfg.BaseURL + simulatedWavePrefix)
		wcfg.ClientID, wcfg.ClientSecret = simulatedClientID, secret
		wcfg.SetOAuthBase(ends.OAuthBase)
		wcfg.GraphQLURL = ends.GraphQLURL
		// The simulated Wave runs in this process: no need to pace requests as the
		// real one requires.
		wcfg.RequestsPerSecond, wcfg.MaxInFlight = 0, 0
	default:
		return nil, nil, nil
	}
	client, err := wave.New(wcfg)
	if err != nil {
		return nil, nil, fmt.Errorf("configuring the Wave client: %w", err)
	}
	return wave.NewGateway(client), sim, nil
}
