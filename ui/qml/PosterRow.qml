import QtQuick

// A titled, horizontally scrolling row of posters. Left/Right move along it, Enter opens.
FocusScope {
    id: row
    property string title
    property var items: []
    property alias currentIndex: list.currentIndex
    readonly property var currentItem: list.currentIndex >= 0 && list.currentIndex < items.length
                                        ? items[list.currentIndex] : null
    signal activated(string titleId)

    implicitHeight: header.height + Theme.px(14) + Theme.posterHeight + Theme.px(28)

    Label {
        id: header
        x: Theme.margin
        text: row.title
        size: Theme.fontHeading
        font.weight: Font.DemiBold
        color: row.activeFocus ? Theme.text : Theme.textDim
    }
    ListView {
        id: list
        objectName: "posterList"
        anchors { left: parent.left; right: parent.right; top: header.bottom; topMargin: Theme.px(14) }
        height: Theme.posterHeight + Theme.px(28)
        orientation: ListView.Horizontal
        spacing: Theme.px(18)
        focus: true
        model: row.items
        leftMargin: Theme.margin
        rightMargin: Theme.margin
        topMargin: Theme.px(14)
        keyNavigationEnabled: true
        highlightFollowsCurrentItem: true
        highlightRangeMode: ListView.ApplyRange
        preferredHighlightBegin: Theme.margin
        preferredHighlightEnd: width - Theme.margin
        highlightMoveDuration: Theme.normal * 1.5
        highlightMoveVelocity: -1
        boundsBehavior: Flickable.StopAtBounds
        cacheBuffer: Theme.posterWidth * 4
        delegate: PosterCard {
            required property var modelData
            required property int index
            item: modelData
            focused: ListView.isCurrentItem && list.activeFocus
            onActivated: { list.currentIndex = index; list.forceActiveFocus(); row.activated(modelData.id) }
        }
        Keys.onReturnPressed: if (row.currentItem) row.activated(row.currentItem.id)
        Keys.onEnterPressed: if (row.currentItem) row.activated(row.currentItem.id)
    }
}
