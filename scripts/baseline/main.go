// Command baseline is the bare server that scripts/loadtest.sh measures beside
// finhealth in the same run: for each hot route it does the least work that any
// server answering it must do (one row read by key, one durable insert, a fixed
// body), with no middleware, so that finhealth's figures can be read as a share of
// what this machine and database allow at that moment, whatever else runs on it.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:5078", "listen address")
	latestSize := flag.Int("latest-size", 3000, "bytes of GET latest assessment's body")
	postSize := flag.Int("post-size", 3000, "bytes of POST assessment's body")
	fixedSize := flag.Int("fixed-size", 8400, "bytes of GET questionnaire's body")
	flag.Parse()

	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	// The same pool size as finhealth's default, so that both wait on the database alike.
	cfg.MaxConns = 8
	if n, err := strconv.Atoi(os.Getenv("DATABASE_MAX_CONNS")); err == nil && n > 0 {
		cfg.MaxConns = int32(n)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	// A plain (logged) table: a temporary or unlogged one would skip the WAL flush
	// that makes an insert durable, which is the cost being measured.
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS baseline_inserts (id text PRIMARY KEY, body text NOT NULL)`); err != nil {
		log.Fatal(err)
	}

	body := func(n int) []byte { return bytes.Repeat([]byte("x"), n) }
	latest, created, fixed := body(*latestSize), body(*postSize), body(*fixedSize)
	write := func(w http.ResponseWriter, status int, b []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}

	mux := http.NewServeMux()
	// One row by primary key: the user the benchmark's token names.
	mux.HandleFunc("GET /row/{id}", func(w http.ResponseWriter, r *http.Request) {
		var email string
		if err := pool.QueryRow(r.Context(), `SELECT email FROM users WHERE id = $1`, r.PathValue("id")).Scan(&email); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		write(w, http.StatusOK, latest)
	})
	// One durable insert of the request body.
	mux.HandleFunc("POST /insert", func(w http.ResponseWriter, r *http.Request) {
		in, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, err := pool.Exec(r.Context(), `INSERT INTO baseline_inserts (id, body) VALUES ($1, $2)`, rand.Text(), string(in)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		write(w, http.StatusCreated, created)
	})
	mux.HandleFunc("GET /fixed", func(w http.ResponseWriter, r *http.Request) { write(w, http.StatusOK, fixed) })
	log.Fatal(http.ListenAndServe(*addr, mux))
}
