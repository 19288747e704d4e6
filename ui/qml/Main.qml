import QtQuick
import QtQuick.Window
import Marquee
import Marquee.Video

// The window: the video surface at the bottom, the screens over it, and keyboard navigation
// between them (a history stack; Esc or Backspace goes back).
Window {
    id: root
    width: 1600
    height: 900
    minimumWidth: 960
    minimumHeight: 540
    visible: true
    title: "Marquee"
    color: Theme.background

    property var history: ["home"]
    readonly property string currentPage: history[history.length - 1]

    function go(name) {
        if (currentPage !== name) history = history.concat([name])
    }
    function back() {
        if (history.length <= 1) return
        if (currentPage === "player") playback.stop()
        history = history.slice(0, history.length - 1)
    }
    // Straight to playing a title (``marquee play ID``): Back leads to its page, then home.
    function playTitle(titleId: string) {
        browse.openTitle(titleId)
        titlePage.reset()
        startPlayback(titleId, false)
        history = ["home", "title", "player"]
    }
    // A manifest URL outside the catalog (``marquee play URL``): Back leads home.
    function playUrl(url: string) {
        playback.startUrl(url)
        playerPage.reset()
        history = ["home", "player"]
    }
    function startPlayback(titleId, fromStart) {
        playback.start(titleId, fromStart)
        playerPage.reset()
    }
    function toggleFullScreen() {
        visibility = visibility === Window.FullScreen ? Window.Windowed : Window.FullScreen
    }
    function pageFor(name) {
        return { "home": home, "title": titlePage, "search": searchPage, "player": playerPage }[name]
    }
    onCurrentPageChanged: pageFor(currentPage).forceActiveFocus()

    Binding { target: Theme; property: "scale"; value: Math.max(0.7, Math.min(2.5, root.height / 1080)) }

    // Always in the scene, under the screens: mpv needs its render context before a title opens.
    MpvVideo {
        id: video
        objectName: "video"
        anchors.fill: parent
    }

    Item {
        id: stage
        anchors.fill: parent
        focus: true
        Keys.onPressed: function (event) {
            if (event.key === Qt.Key_Escape || event.key === Qt.Key_Backspace || event.key === Qt.Key_Back) {
                root.back()
                event.accepted = true
            } else if (event.key === Qt.Key_F11) {
                root.toggleFullScreen()
                event.accepted = true
            }
        }

        HomePage {
            id: home
            objectName: "homePage"
            anchors.fill: parent
            focus: true
            enabled: root.currentPage === "home"
            opacity: enabled ? 1 : 0
            visible: opacity > 0
            Behavior on opacity { NumberAnimation { duration: Theme.normal } }
            onOpenTitle: function (titleId) { browse.openTitle(titleId); titlePage.reset(); root.go("title") }
            onOpenSearch: { searchPage.reset(); root.go("search") }
        }
        SearchPage {
            id: searchPage
            objectName: "searchPage"
            anchors.fill: parent
            enabled: root.currentPage === "search"
            opacity: enabled ? 1 : 0
            visible: opacity > 0
            Behavior on opacity { NumberAnimation { duration: Theme.normal } }
            onOpenTitle: function (titleId) { browse.openTitle(titleId); titlePage.reset(); root.go("title") }
            onLeave: root.back()
        }
        TitlePage {
            id: titlePage
            objectName: "titlePage"
            anchors.fill: parent
            enabled: root.currentPage === "title"
            opacity: enabled ? 1 : 0
            visible: opacity > 0
            Behavior on opacity { NumberAnimation { duration: Theme.normal } }
            onPlay: function (titleId, fromStart) {
                root.startPlayback(titleId, fromStart)
                root.go("player")
            }
        }
        PlayerPage {
            id: playerPage
            objectName: "playerPage"
            anchors.fill: parent
            enabled: root.currentPage === "player"
            opacity: enabled ? 1 : 0
            visible: opacity > 0
            Behavior on opacity { NumberAnimation { duration: Theme.normal } }
            onLeave: root.back()
            onFullScreenToggled: root.toggleFullScreen()
        }
    }

    Connections {
        target: playback
        // Progress was saved: Continue watching and the title page follow.
        function onProgressSaved() {
            browse.loadHome()
            if (root.currentPage === "title" && browse.title.id) browse.openTitle(browse.title.id)
        }
        function onStateChanged() {
            if (playback.state === "ended") endTimer.start()
        }
    }
    Timer {
        id: endTimer
        interval: 1500
        onTriggered: if (root.currentPage === "player" && playback.state === "ended") root.back()
    }

    Component.onCompleted: browse.loadHome()
}
