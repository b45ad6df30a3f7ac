package main

import (
	"fmt"
	"net"
	"path/filepath"

	"github.com/ordercore/oms/fix"
	"github.com/quickfixgo/quickfix/config"
)

// startFIX starts the FIX acceptor on fix_addr when there are sessions to
// serve: those of fix_config, or with --demo the two demo desks. The
// address comes from fix_addr whatever the settings file says, so that one
// key moves it.
func (s *server) startFIX() error {
	if s.cfg.FIXAddr == "" {
		return nil
	}
	var fc fix.Config
	switch {
	case s.cfg.FIXConfig != "":
		st, err := fix.LoadSettings(s.cfg.FIXConfig)
		if err != nil {
			return fmt.Errorf("config: fix_config: %w", err)
		}
		fc.Settings = st
	case s.cfg.Demo:
		var err error
		if fc, err = fix.DemoConfig(filepath.Join(s.cfg.DataDir, "fix"), demoDesk1, demoDesk2); err != nil {
			return fmt.Errorf("demo FIX settings: %w", err)
		}
	default:
		s.log.Info("FIX off: set fix_config (a QuickFIX settings file) to serve FIX sessions")
		return nil
	}
	lis, err := net.Listen("tcp", s.cfg.FIXAddr)
	if err != nil {
		return fmt.Errorf("config: fix_addr: %w", err)
	}
	host, port, err := net.SplitHostPort(lis.Addr().String())
	if err != nil {
		_ = lis.Close()
		return err
	}
	gs := fc.Settings.GlobalSettings()
	gs.Set(config.SocketAcceptHost, host)
	gs.Set(config.SocketAcceptPort, port)
	fc.Listener, fc.Logger = lis, s.log
	g, err := fix.New(s.seq, fc)
	if err != nil {
		_ = lis.Close()
		return err
	}
	if err := g.Start(); err != nil {
		_ = g.Close()
		_ = lis.Close()
		return err
	}
	s.fix, s.fixAddr = g, lis.Addr().String()
	s.log.Info("serving FIX", "addr", s.fixAddr)
	return nil
}
