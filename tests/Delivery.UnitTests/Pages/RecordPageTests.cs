using Delivery.Pages;

namespace Delivery.UnitTests.Pages;

/// <summary>A page's memory goes back once, to the account it was charged to, and its records are unreadable after.</summary>
public sealed class RecordPageTests
{
    [Fact]
    public void APageHeldByManyHolders_GivesItsChargeBackOnce_WhenTheLastLetsGo()
    {
        var account = new CountingAccount();
        RecordPage page = Built(records: 10);
        page.ChargeTo(account);
        page.Retain();
        page.Retain();

        page.Release();
        page.Release();
        account.Released.ShouldBe(0, "one holder is left");
        page.IsAlive.ShouldBeTrue();

        page.Release();
        account.Released.ShouldBe(page.MemoryBytes);
        account.Releases.ShouldBe(1);
        page.IsAlive.ShouldBeFalse();
    }

    [Fact]
    public void ARecordOfAReturnedPage_ThrowsOnEveryRead_InsteadOfReadingWhatTheBlockHoldsNext()
    {
        RecordPage page = Built(records: 3);
        SourceRecord record = page.Records[1];
        record.Data.ToArray().ShouldBe("record-1"u8.ToArray());

        page.Release();

        Should.Throw<ObjectDisposedException>(() => record.Data.ToArray());
        Should.Throw<ObjectDisposedException>(() => record.PartitionKey);
        Should.Throw<ObjectDisposedException>(() => record.Position);
        Should.Throw<ObjectDisposedException>(() => page.Retain());
    }

    [Fact]
    public void ReleasingMoreOftenThanHeld_IsAnError()
    {
        RecordPage page = Built(records: 1);
        page.Release();

        Should.Throw<InvalidOperationException>(() => page.Release());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(65_536)]
    [InlineData(65_537)]
    [InlineData(100_000)]
    [InlineData(3_000_000)]
    [InlineData(10 * 1024 * 1024)]
    public void ABlockIsNeverMoreThanHalfAgainAsLargeAsAskedFor(int bytes)
    {
        int size = PageMemory.BlockSize(bytes);

        size.ShouldBeGreaterThanOrEqualTo(bytes);
        if (bytes >= PageMemory.PooledBlockBytes)
        {
            size.ShouldBeLessThanOrEqualTo(bytes + (bytes / 2));
        }
    }

    private static RecordPage Built(int records)
    {
        RecordPage page = RecordPage.Rent("shardId-000000000001", 256, records);
        for (int i = 0; i < records; i++)
        {
            int data = page.AppendBytes(System.Text.Encoding.ASCII.GetBytes($"record-{i}"));
            int dataLength = $"record-{i}".Length;
            int sequence = page.AppendBytes(System.Text.Encoding.ASCII.GetBytes($"{1000 + i}"));
            int key = page.AppendBytes("key"u8);
            page.AddRecord(data, dataLength, sequence, 4, 0, key, 3, DateTimeOffset.UnixEpoch.UtcTicks);
        }

        page.Seal(0);
        return page;
    }

    private sealed class CountingAccount : IMemoryAccount
    {
        public long Released { get; private set; }

        public int Releases { get; private set; }

        public void Charge(long bytes)
        {
        }

        public void Release(long bytes)
        {
            Released += bytes;
            Releases++;
        }
    }
}
