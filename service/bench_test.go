package service

import (
	"testing"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/rtctokenbuilder2"
)

// BenchmarkRTCPublisherToken mints the most common token, an RTC publisher
// token for a numeric uid, through this package and through Agora's.
func BenchmarkRTCPublisherToken(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		tokens := New(oracleAppID, oracleCert, Options{})
		rtc := RTC{Channel: "benchmark-room", Account: UIDAccount(2882341273), Role: Publisher}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tokens.rtcToken(rtc, 3600); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("agora", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rtctokenbuilder2.BuildTokenWithUid(oracleAppID, oracleCert, "benchmark-room", 2882341273, rtctokenbuilder2.RolePublisher, 3600, 3600); err != nil {
				b.Fatal(err)
			}
		}
	})
}
