import ArgumentParser
import PPRCLI
import Testing

@Suite struct PwctlArgumentsTests {
    @Test(arguments: [
        (["--coordinator", "tcp://h:1", "status"], ["status", "--coordinator", "tcp://h:1"]),
        (["--coordinator=tcp://h:1", "jobs", "show", "5"], ["jobs", "show", "5", "--coordinator=tcp://h:1"]),
        (
            ["--timeout-ms", "500", "--coordinator", "ipc:///x", "query", "--source", "1"],
            ["query", "--source", "1", "--timeout-ms", "500", "--coordinator", "ipc:///x"]
        ),
        (["query", "--source", "1", "--coordinator", "u"], ["query", "--source", "1", "--coordinator", "u"]),
        (["--coordinator", "u", "batch", "--", "x"], ["batch", "--coordinator", "u", "--", "x"]),
        (["--help"], ["--help"]),
        (
            ["--tls-ca", "ca.pem", "--tls-cert=c.pem", "--tls-key", "k.pem", "--token-file", "t", "status"],
            ["status", "--tls-ca", "ca.pem", "--tls-cert=c.pem", "--tls-key", "k.pem", "--token-file", "t"]
        ),
    ])
    func leadingCoordinatorOptionsMoveAfterTheSubcommand(_ input: [String], _ expected: [String]) {
        #expect(PwctlArguments.normalized(input) == expected)
    }

    @Test func leadingTLSOptionsParseOnTheLeafCommand() throws {
        let arguments = ["--tls-ca", "/ca.pem", "--token-file", "/t", "status", "--tls-cert", "/c", "--tls-key", "/k"]
        let command = try PwctlCommand.parseAsRoot(PwctlArguments.normalized(arguments))
        #expect(String(describing: type(of: command)) == "StatusCommand")
    }

    @Test func aLeadingCoordinatorParsesAsTheStatusCommandsOption() throws {
        let command = try PwctlCommand.parseAsRoot(PwctlArguments.normalized(["--coordinator", "tcp://h:9", "status"]))
        #expect(String(describing: type(of: command)) == "StatusCommand")
    }
}
