package service

import (
	"context"
	"testing"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/rtctokenbuilder2"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
)

// BenchmarkRTCPublisherToken mints the most common token, an RTC publisher
// token for a numeric uid, through Issue as the server does and through
// Agora's package.
func BenchmarkRTCPublisherToken(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		tokens := New(testkit.AppID, testkit.Certificate, Options{})
		bundle := Bundle{
			RTC:    &RTC{Channel: "benchmark-room", Account: UIDAccount(2882341273), Role: Publisher},
			Expire: new(uint64(3600)),
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tokens.Issue(context.Background(), bundle); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("agora", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rtctokenbuilder2.BuildTokenWithUid(testkit.AppID, testkit.Certificate, "benchmark-room", 2882341273, rtctokenbuilder2.RolePublisher, 3600, 3600); err != nil {
				b.Fatal(err)
			}
		}
	})
}
