import QtQuick

// A title's page: backdrop, facts, synopsis, and Play / Resume / Start over.
FocusScope {
    id: page
    readonly property var title: browse.title
    readonly property bool canResume: (title.progressS || 0) > 5 && (title.progress || 0) < 0.97
    signal play(string titleId, bool fromStart)

    Rectangle { anchors.fill: parent; color: Theme.background }

    Backdrop {
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: parent.height * 0.82
        source: page.title.backdrop || ""
    }

    Column {
        id: info
        anchors { left: parent.left; leftMargin: Theme.margin; bottom: more.visible ? more.top : parent.bottom
                  bottomMargin: more.visible ? Theme.px(36) : parent.height * 0.3 }
        width: Math.min(parent.width * 0.5, Theme.px(900))
        spacing: Theme.px(18)

        Label {
            objectName: "titleName"
            width: parent.width
            text: page.title.title || ""
            size: Theme.fontHero
            font.weight: Font.Bold
            font.letterSpacing: -Theme.px(1)
            wrapMode: Text.WordWrap
            maximumLineCount: 3
        }
        MetaLine { title: page.title }
        Label {
            objectName: "synopsis"
            width: parent.width
            text: page.title.synopsis || ""
            size: Theme.fontBody
            color: Theme.textDim
            wrapMode: Text.WordWrap
            maximumLineCount: 6
            lineHeight: 1.25
        }
        Label {
            visible: browse.titleState === "error"
            width: parent.width
            text: browse.titleError
            size: Theme.fontSmall
            color: Theme.danger
            wrapMode: Text.Wrap
        }
        Column {
            visible: page.canResume
            width: Theme.px(360)
            spacing: Theme.px(8)
            Rectangle {
                width: parent.width
                height: Theme.px(5)
                radius: height / 2
                color: Qt.rgba(1, 1, 1, 0.18)
                Rectangle {
                    width: parent.width * Math.min(1, page.title.progress || 0)
                    height: parent.height
                    radius: parent.radius
                    color: Theme.accent
                }
            }
            Label {
                text: Theme.runtime((page.title.durationS || 0) - (page.title.progressS || 0)) + " left"
                size: Theme.fontCaption
                color: Theme.textDim
            }
        }
        Item { width: 1; height: Theme.px(10) }
        Row {
            id: actions
            spacing: Theme.px(16)
            ActionButton {
                id: playButton
                objectName: "playButton"
                focus: true
                primary: true
                icon: "play"
                text: page.canResume ? "Resume" : "Play"
                KeyNavigation.right: startOver.visible ? startOver : null
                KeyNavigation.down: more.visible ? more : null
                onActivated: page.play(page.title.id, false)
            }
            ActionButton {
                id: startOver
                objectName: "startOverButton"
                visible: page.canResume
                icon: "restart"
                text: "Start over"
                KeyNavigation.left: playButton
                KeyNavigation.down: more.visible ? more : null
                onActivated: page.play(page.title.id, true)
            }
        }
    }
    PosterRow {
        id: more
        objectName: "moreLikeThis"
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom; bottomMargin: Theme.px(12) }
        height: implicitHeight
        visible: browse.similar.length > 0
        title: "More like this"
        items: browse.similar
        KeyNavigation.up: playButton
        onActivated: function (titleId) {
            browse.openTitle(titleId)
            page.reset()
        }
    }

    // Each visit starts on the main action, at the start of the row below it.
    function reset() {
        playButton.focus = true
        more.currentIndex = 0
    }
}
