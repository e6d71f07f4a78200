package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/errs"
)

// Classify turns a driver error into the errs vocabulary: a unique violation
// is a Conflict, a missing row NotFound, a lost or refused connection
// Unavailable. Errors that are already classified pass through; the rest are
// Internal. The cause stays attached for the log, never for the client.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return errs.Wrap(errs.NotFound, errs.CodeNotFound, err)
	case IsUniqueViolation(err):
		return errs.Wrap(errs.Conflict, errs.CodeConflict, err)
	case isUnavailable(err):
		return errs.Wrap(errs.Unavailable, errs.CodeDatabaseUnavailable, err)
	}
	return errs.Wrap(errs.Internal, "", err)
}

// IsUniqueViolation reports a unique-constraint failure on either dialect.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func isUnavailable(err error) bool {
	var (
		pg      *pgconn.PgError
		connErr *pgconn.ConnectError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &pg):
		// Class 08 is connection exceptions, 57P0x the server shutting down,
		// 53 insufficient resources, 57014 a query cancelled because its
		// caller's context ended (a request deadline, a client gone; see
		// openPostgres).
		return strings.HasPrefix(pg.Code, "08") || strings.HasPrefix(pg.Code, "57P") || strings.HasPrefix(pg.Code, "53") ||
			pg.Code == "57014"
	case errors.As(err, &connErr), errors.As(err, &netErr):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, context.DeadlineExceeded):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "database is locked") || strings.Contains(msg, "conn closed") ||
		strings.Contains(msg, "connection refused") || strings.Contains(msg, "failed to connect") ||
		strings.Contains(msg, "disk I/O error") || strings.Contains(msg, "database or disk is full")
}
