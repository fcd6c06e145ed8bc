import ArgumentParser

/// `pwbench`: release-build benchmarks that print the figures of README's table. Not a test.
@main
struct Pwbench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pwbench",
        abstract: "Benchmarks of the PowerWalk engine (build with -c release; graphs are passed by path).",
        subcommands: [
            EngineBenchmark.self, ServiceBenchmark.self, BlockBenchmark.self, GenerateCommand.self,
            ExpandBenchmark.self,
        ]
    )
}
