package memory_test

import (
	"testing"

	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/storetest"
)

func subject(*testing.T) storetest.Subject {
	s := memory.NewStore()
	return storetest.Subject{
		Users: memory.NewUsers(s), Tokens: memory.NewRefreshTokens(s), Preferences: memory.NewPreferences(s),
		Settings: memory.NewSettings(s), Catalog: memory.NewCatalog(s), Events: memory.NewEvents(s), Progress: memory.NewProgress(s),
	}
}

func TestStoreContract(t *testing.T) { storetest.Run(t, subject) }
