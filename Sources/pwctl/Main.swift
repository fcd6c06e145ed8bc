import ArgumentParser
import PPRCLI

/// Entry point only; everything lives in PPRCLI so tests can reach it.
@main
struct Main {
    static func main() async {
        await PwctlCommand.main(PwctlArguments.normalized(Array(CommandLine.arguments.dropFirst())))
    }
}
